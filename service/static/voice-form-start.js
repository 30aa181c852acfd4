// Runs first in <body>: tells the GOV.UK Frontend styles that JavaScript is on (a file, not an
// inline script, so the Content Security Policy can stay script-src 'self').
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");

// Runs first in <body>: tells the GOV.UK Frontend styles that JavaScript is on (a file, not an
// inline script, so the Content Security Policy can stay script-src 'self').
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
// On the thank-you page the answers have been stored: forget the copy kept in this tab.
if (document.body.dataset.voiceSent) {
  Object.keys(sessionStorage).filter((k) => k.startsWith("voice-answers:")).forEach((k) => sessionStorage.removeItem(k));
}

// Progressive enhancement of the residents' form: a live character count, focus on the error
// summary, and answers kept in this tab (sessionStorage, never sent anywhere) while the resident
// reads the privacy notice or goes back and forth. The form works fully without this file.
import { CharacterCount, ErrorSummary, createAll } from "./govuk/govuk-frontend.min.js";

createAll(CharacterCount);
createAll(ErrorSummary);

const form = document.querySelector("form[method=post]");
if (form) {
  const key = "voice-answers:" + form.getAttribute("action").split("?")[0];
  const skip = new Set(["csrf_token", "token", "lang", "website"]);
  const isBlank = () => ![...form.elements].some((el) => !skip.has(el.name) &&
    ((el.type === "radio" || el.type === "checkbox") ? el.checked : (el.value && el.tagName !== "BUTTON")));
  const saved = JSON.parse(sessionStorage.getItem(key) || "null");
  if (saved && isBlank()) {
    for (const el of form.elements) {
      if (skip.has(el.name) || !(el.name in saved)) continue;
      const value = saved[el.name];
      if (el.type === "radio" || el.type === "checkbox") el.checked = [].concat(value).includes(el.value);
      else el.value = value;
    }
  }
  const save = () => {
    const data = {};
    for (const [name, value] of new FormData(form)) {
      if (skip.has(name)) continue;
      data[name] = name in data ? [].concat(data[name], value) : value;
    }
    sessionStorage.setItem(key, JSON.stringify(data));
  };
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  window.addEventListener("pagehide", save);
}

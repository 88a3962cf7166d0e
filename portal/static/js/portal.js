// Small progressive enhancements; every page works without JavaScript.
"use strict";

const menuButton = document.querySelector(".menu-toggle");
if (menuButton) {
  const menu = document.getElementById(menuButton.getAttribute("aria-controls"));
  menuButton.hidden = false;
  menuButton.addEventListener("click", () => {
    const open = menuButton.getAttribute("aria-expanded") !== "true";
    menuButton.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("open", open);
  });
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // A second click while the first submit is on its way does nothing.
  if (form.dataset.submitting === "yes") {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "yes";
  window.setTimeout(() => { delete form.dataset.submitting; }, 4000);
});

// Words the scripts show, translated by the page (base.html).
const MESSAGES = JSON.parse(document.getElementById("portal-messages")?.textContent || "{}");
const LANGUAGE = document.documentElement.lang || undefined;
const say = (key, values = {}) =>
  (MESSAGES[key] || key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  field.select();
  navigator.clipboard?.writeText(field.value).then(() => {
    button.textContent = say("copied");
  });
});

// A number field that shows another field's default as its placeholder
// (an opportunity's points follow its type until the manager types one).
for (const input of document.querySelectorAll("input[data-follows][data-defaults]")) {
  const source = document.getElementById(input.dataset.follows);
  const defaults = JSON.parse(input.dataset.defaults);
  if (!source) continue;
  source.addEventListener("change", () => {
    if (source.value in defaults) input.placeholder = String(defaults[source.value]);
  });
}

// A time-zone picker suggests the browser's own zone next to the program's.
for (const select of document.querySelectorAll("select[data-browser-zone]")) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const suggested = select.querySelector("optgroup");
  const known = zone && select.querySelector(`option[value="${CSS.escape(zone)}"]`);
  if (!suggested || !known || known.parentElement === suggested) continue;
  const option = new Option(say("this_device", { zone: zone.replace(/_/g, " ") }), zone);
  suggested.insertBefore(option, suggested.children[1] || null);
}

// An import running in the background: follow its progress, then show its report.
const importStatus = document.querySelector("[data-import-status]");
if (importStatus) {
  const bar = importStatus.querySelector("progress");
  const message = importStatus.querySelector("[data-import-message]");
  const poll = () => {
    fetch(importStatus.dataset.importStatus, { headers: { Accept: "application/json" } })
      .then((response) => response.json())
      .then((status) => {
        if (!status.running) {
          window.location.reload();
          return;
        }
        if (status.total) bar.max = status.total;
        bar.value = status.progress;
        message.textContent = say("progress", {
          done: status.progress.toLocaleString(LANGUAGE),
          total: (status.total || bar.max).toLocaleString(LANGUAGE),
        });
        window.setTimeout(poll, 1000);
      })
      .catch(() => window.setTimeout(poll, 5000));
  };
  window.setTimeout(poll, 1000);
}

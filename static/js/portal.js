// The portal's own script (no build step): destructive or long actions ask first, in the site's one
// <dialog> (templates/components/confirm_dialog.html). A form with data-confirm="question" (or a
// submit button with it) asks before it is sent; htmx's hx-confirm asks in the same dialog. A refusal
// answered to htmx (its status and message, ledger.pages.refusal_response) is shown at the top.
(function () {
  "use strict";

  function ask(question, proceed) {
    const dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(question)) proceed();
      return;
    }
    dialog.querySelector("#confirm-message").textContent = question;
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      function () {
        if (dialog.returnValue === "confirm") proceed();
      },
      { once: true }
    );
    dialog.showModal();
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    const submitter = event.submitter;
    const question = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (!question || form.dataset.confirmed === "yes") return;
    event.preventDefault();
    ask(question, function () {
      form.dataset.confirmed = "yes";
      if (submitter && submitter.form === form) form.requestSubmit(submitter);
      else form.requestSubmit();
      delete form.dataset.confirmed; // asked once per submission, also after going back to the page
    });
  });

  document.addEventListener("htmx:confirm", function (event) {
    if (!event.detail.question) return;
    event.preventDefault();
    ask(event.detail.question, function () {
      event.detail.issueRequest(true);
    });
  });

  // A live region's own polls say so: when the session has ended the server answers them with a
  // message in their place and stops them (l2portal.portal.sessions), instead of a sign-in redirect.
  document.addEventListener("htmx:configRequest", function (event) {
    const trigger = event.detail.elt.getAttribute("hx-trigger") || "";
    if (/^\s*every\s/.test(trigger)) event.detail.headers["X-Portal-Poll"] = "true";
  });

  function messages() {
    const main = document.getElementById("content");
    let box = main.querySelector(".messages");
    if (!box) {
      box = document.createElement("div");
      box.className = "messages";
      box.setAttribute("role", "status");
      main.prepend(box);
    }
    return box;
  }

  document.addEventListener("htmx:responseError", function (event) {
    const xhr = event.detail.xhr;
    if (!xhr || xhr.status < 400 || xhr.status >= 500) return;
    const line = document.createElement("p");
    line.className = "message error";
    line.textContent = xhr.responseText;
    messages().append(line);
  });

  // A live region's poll answered "session expired": it has stopped; say so once, with the way back.
  document.addEventListener("htmx:afterRequest", function (event) {
    const xhr = event.detail.xhr;
    const signIn = xhr && xhr.getResponseHeader("X-Portal-Sign-In");
    if (!signIn || document.getElementById("live-stopped")) return;
    const line = document.createElement("p");
    line.id = "live-stopped";
    line.className = "message warning";
    line.setAttribute("role", "alert");
    line.textContent = xhr.responseText + " ";
    const link = document.createElement("a");
    link.href = signIn;
    link.textContent = "Sign in again to follow this page";
    line.append(link);
    messages().append(line);
  });
})();

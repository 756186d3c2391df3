// Contract Bites web chat: posts messages as JSON and renders the bot's replies.
// Replies arrive as HTML already escaped by the server (adapters/markdown.py).
"use strict";
(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const status = document.getElementById("status");
  let busy = false;

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function addBubble(who, html) {
    const item = document.createElement("li");
    item.className = "bubble " + who;
    const label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = who === "me" ? "You said:" : "Contract Bites said:";
    item.appendChild(label);
    const content = document.createElement("div");
    content.innerHTML = html;
    item.appendChild(content);
    log.appendChild(item);
    return item;
  }

  function addMine(text) {
    const p = document.createElement("p");
    p.textContent = text;
    addBubble("me", p.outerHTML);
  }

  function addReply(reply) {
    const item = addBubble("bot", reply.html);
    if (reply.choices.length) {
      const group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Choices");
      reply.choices.forEach(function (choice) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.textContent = choice.label;
        button.dataset.choice = choice.id;
        group.appendChild(button);
      });
      item.appendChild(group);
    }
    return item;
  }

  async function send(payload, shownText) {
    if (busy) return;
    busy = true;
    status.textContent = "Sending…";
    addMine(shownText);
    try {
      const response = await fetch("/chat/api/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify(Object.assign({ id: newId() }, payload)),
      });
      const data = await response.json();
      if (!response.ok) {
        status.textContent = "Sorry, that did not work: " + (data.error || response.status);
        return;
      }
      let firstButton = null;
      data.replies.forEach(function (reply) {
        const item = addReply(reply);
        firstButton = firstButton || item.querySelector("button");
      });
      status.textContent = "";
      // Move focus to the new buttons so keyboard users can answer at once.
      if (firstButton) firstButton.focus(); else input.focus();
      firstButton && firstButton.scrollIntoView({ block: "nearest" });
    } catch (error) {
      status.textContent = "Sorry, the service did not answer. Check it is running and try again.";
    } finally {
      busy = false;
    }
  }

  log.addEventListener("click", function (event) {
    const button = event.target.closest("button.choice");
    if (!button || button.disabled || busy) return;
    const group = button.parentElement;
    group.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    button.classList.add("chosen");
    if (button.dataset.text) send({ text: button.dataset.text }, button.textContent);
    else send({ choice: button.dataset.choice }, button.textContent);
  });

  // Proactive messages (the lesson of the day, refreshers) wait on the server until this
  // page fetches them; the last one shown is remembered so a reload does not repeat them.
  const LAST_KEY = "cb_last_update";
  async function poll() {
    if (busy || document.hidden) return;
    try {
      const after = Number(localStorage.getItem(LAST_KEY) || "0");
      const response = await fetch("/chat/api/updates?after=" + after, {
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const data = await response.json();
      data.messages.forEach(function (reply) { addReply(reply); });
      localStorage.setItem(LAST_KEY, String(data.last));
    } catch (error) {
      // The service may be restarting; the next poll tries again.
    }
  }
  poll();
  setInterval(poll, 15000);
  document.addEventListener("visibilitychange", poll);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { status.textContent = "Type a message first."; input.focus(); return; }
    input.value = "";
    send({ text: text }, text);
  });
})();

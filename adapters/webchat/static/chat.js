// Contract Bites web chat: posts messages as JSON and renders the bot's replies.
// Replies arrive as HTML already escaped by the server (adapters/markdown.py); what the
// visitor sent is always shown as text. The server keeps the conversation, so a reload
// shows it again (/chat/api/history), and the page polls for proactive messages.
"use strict";
(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const status = document.getElementById("status");
  const shown = new Set();  // ids of stored messages already on the page
  let last = 0;  // the highest id the server has handed to this page
  let busy = false;

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function addBubble(who, content) {
    const item = document.createElement("li");
    item.className = "bubble " + who;
    const label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = who === "me" ? "You said:" : "Contract Bites said:";
    item.appendChild(label);
    item.appendChild(content);
    log.appendChild(item);
    return item;
  }

  function addMine(text) {
    const content = document.createElement("div");
    const p = document.createElement("p");
    p.textContent = text;
    content.appendChild(p);
    return addBubble("me", content);
  }

  function addButtons(item, choices, live) {
    if (!choices.length) return;
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Choices");
    choices.forEach(function (choice) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.textContent = choice.label;
      if (choice.id) button.dataset.choice = choice.id;
      if (choice.text) button.dataset.text = choice.text;
      button.disabled = !live;
      group.appendChild(button);
    });
    item.appendChild(group);
  }

  function addReply(reply, live) {
    const content = document.createElement("div");
    content.innerHTML = reply.html;
    const item = addBubble("bot", content);
    addButtons(item, reply.choices, live);
    return item;
  }

  function greet(known) {
    const template = document.getElementById(known ? "greet-back" : "greet-new");
    const copy = template.content.cloneNode(true);
    const button = copy.querySelector("button");
    const content = document.createElement("div");
    content.appendChild(copy.querySelector("p"));
    const item = addBubble("bot", content);
    addButtons(item, [{ label: button.textContent, text: button.dataset.text }], true);
  }

  function keepInView(target) {
    // The newest message (or its first button) just above the message box.
    (target || log.lastElementChild || input).scrollIntoView({ block: "nearest", behavior: "instant" });
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
      (data.ids || []).forEach(function (id) { shown.add(id); });
      let firstButton = null;
      data.replies.forEach(function (reply) {
        const item = addReply(reply, true);
        firstButton = firstButton || item.querySelector("button");
      });
      status.textContent = "";
      // Move focus to the new buttons so keyboard users can answer at once.
      if (firstButton) firstButton.focus({ preventScroll: true }); else input.focus({ preventScroll: true });
      keepInView(firstButton || log.lastElementChild);
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
    // The label travels too, so the kept conversation shows what the visitor pressed.
    const label = button.textContent;
    if (button.dataset.text) send({ text: button.dataset.text, label: label }, label);
    else send({ choice: button.dataset.choice, label: label }, label);
  });

  // The conversation so far: only the last message's buttons can still be pressed.
  async function restore() {
    let data = { messages: [], known: false, last: 0 };
    try {
      const response = await fetch("/chat/api/history", { credentials: "same-origin" });
      if (response.ok) data = await response.json();
    } catch (error) {
      // Offline or restarting: greet as for a first visit; polling catches up later.
    }
    data.messages.forEach(function (message, index) {
      shown.add(message.id);
      const live = index === data.messages.length - 1;
      if (message.who === "me") addMine(message.text);
      else addReply(message, live);
    });
    last = data.last || 0;
    if (!data.messages.length) greet(data.known);
    keepInView(log.lastElementChild);
  }

  // Proactive messages (the lesson of the day, refreshers) wait on the server until this
  // page fetches them.
  async function poll() {
    if (busy || document.hidden) return;
    try {
      const response = await fetch("/chat/api/updates?after=" + last, {
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const data = await response.json();
      data.messages.forEach(function (message) {
        if (shown.has(message.id) || message.who === "me") return;
        shown.add(message.id);
        keepInView(addReply(message, true));
      });
      last = Math.max(last, data.last);
    } catch (error) {
      // The service may be restarting; the next poll tries again.
    }
  }

  restore().then(function () {
    setInterval(poll, 15000);
    document.addEventListener("visibilitychange", poll);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { status.textContent = "Type a message first."; input.focus(); return; }
    input.value = "";
    send({ text: text }, text);
  });
})();

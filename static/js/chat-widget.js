// A small web chat widget. Embed on a page of this site (same origin; no API token in the browser):
//   <link rel="stylesheet" href="/static/css/chat-widget.css">
//   <div data-chat-widget data-endpoint="/portal/chat/messages/" data-csrf="{{ csrf_token }}"
//        data-signed-in="false" data-title="Chat with us"></div>
//   <script src="/static/js/chat-widget.js" defer></script>
// Visitors who are not signed in give their name and email with the first message.
(() => {
  const POLL_MS = 8000;

  const el = (tag, attrs = {}, text = "") => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text) node.textContent = text;
    return node;
  };

  const field = (id, label, input) => {
    const wrap = el("div", { class: "chat-widget__field" });
    wrap.append(el("label", { for: id }, label), input);
    return wrap;
  };

  function mount(root) {
    const endpoint = root.dataset.endpoint;
    const signedIn = root.dataset.signedIn === "true";
    const title = root.dataset.title || "Chat with us";
    const uid = Math.random().toString(36).slice(2, 8);
    let lastId = 0;
    let timer = null;

    const toggle = el("button", { type: "button", class: "chat-widget__toggle", "aria-expanded": "false", "aria-controls": `chat-panel-${uid}` }, title);
    const panel = el("section", { id: `chat-panel-${uid}`, class: "chat-widget__panel", "aria-label": title, hidden: "" });
    const header = el("div", { class: "chat-widget__header" });
    const close = el("button", { type: "button", class: "chat-widget__close", "aria-label": "Close chat" }, "×");
    header.append(el("h2", { class: "chat-widget__title" }, title), close);
    const log = el("ol", { class: "chat-widget__log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
    const form = el("form", { class: "chat-widget__form", novalidate: "" });
    const status = el("p", { class: "chat-widget__status", role: "status" });
    const text = el("textarea", { id: `chat-text-${uid}`, name: "text", rows: "2", required: "", dir: "auto", maxlength: "5000" });
    if (!signedIn) {
      form.append(
        field(`chat-name-${uid}`, "Your name", el("input", { id: `chat-name-${uid}`, name: "name", autocomplete: "name", required: "", dir: "auto" })),
        field(`chat-email-${uid}`, "Your email", el("input", { id: `chat-email-${uid}`, name: "email", type: "email", autocomplete: "email", required: "" })),
      );
    }
    form.append(field(`chat-text-${uid}`, "Your message", text), el("button", { type: "submit", class: "chat-widget__send" }, "Send"), status);
    const intro = el("p", { class: "chat-widget__intro" }, root.dataset.intro || "Ask us anything: we answer right here.");
    panel.append(header, intro, log, form);
    root.append(toggle, panel);

    const show = (message) => {
      if (message.id <= lastId) return;
      lastId = message.id;
      const item = el("li", { class: `chat-widget__msg chat-widget__msg--${message.from}` });
      item.append(el("span", { class: "chat-widget__who" }, message.from === "you" ? "You" : "Support"), el("p", { dir: "auto" }, message.text));
      log.append(item);
      log.scrollTop = log.scrollHeight;
    };

    const poll = async () => {
      try {
        const response = await fetch(`${endpoint}?after=${lastId}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (response.ok) (await response.json()).messages.forEach(show);
      } catch (error) {
        status.textContent = "Offline: new replies will appear when the connection is back.";
      }
    };

    const open = (isOpen) => {
      panel.hidden = !isOpen;
      toggle.setAttribute("aria-expanded", String(isOpen));
      clearInterval(timer);
      if (isOpen) {
        poll();
        timer = setInterval(poll, POLL_MS);
        (form.querySelector("input") || text).focus();
      } else {
        toggle.focus();
      }
    };

    toggle.addEventListener("click", () => open(panel.hidden));
    close.addEventListener("click", () => open(false));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") open(false);
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit();
      }
    });

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!form.reportValidity()) return;
      const body = new FormData(form);
      body.append("key", (crypto.randomUUID && crypto.randomUUID()) || `${Date.now()}-${Math.random()}`);
      status.textContent = "Sending…";
      try {
        const response = await fetch(endpoint, {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": root.dataset.csrf, Accept: "application/json" },
        });
        const data = await response.json();
        if (!response.ok) {
          status.textContent = data.message || "The message could not be sent.";
          return;
        }
        show(data.message);
        text.value = "";
        form.querySelectorAll("input").forEach((input) => input.closest(".chat-widget__field").setAttribute("hidden", ""));
        status.textContent = "Sent. We reply here as soon as we can.";
        text.focus();
      } catch (error) {
        status.textContent = "The message could not be sent; check your connection and try again.";
      }
    });
  }

  const start = () => document.querySelectorAll("[data-chat-widget]").forEach(mount);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

// The ticket page: canned replies, the "replying" presence state and the queue's select-all box.
(() => {
  const composerBody = () => document.querySelector("#composer-form textarea[name='body']");
  const presenceState = () => document.getElementById("presence-state");

  function setPresence(state) {
    const input = presenceState();
    if (!input || input.value === state) return;
    input.value = state;
    // Tell the others at once rather than at the next 10-second heartbeat.
    if (window.htmx) window.htmx.trigger("#presence", "presence-now");
  }

  document.addEventListener("click", (event) => {
    const insert = event.target.closest("[data-canned-insert]");
    if (!insert) return;
    const raw = insert.closest(".canned-preview").querySelector("template[data-canned-raw]");
    const body = composerBody();
    if (!raw || !body) return;
    const text = raw.content.textContent.trim();
    body.value = body.value.trim() ? `${body.value.trimEnd()}\n\n${text}` : text;
    const reply = document.querySelector("#composer-form input[name='kind'][value='reply']");
    if (reply) reply.checked = true;
    body.focus();
    setPresence("replying");
  });

  document.addEventListener("submit", (event) => {
    const copy = event.target.querySelector("[data-seen-copy]");
    const seen = document.querySelector("#composer-form input[name='seen_message_id']");
    if (copy && seen) copy.value = seen.value;
  });

  document.addEventListener("input", (event) => {
    if (event.target === composerBody()) setPresence(event.target.value.trim() ? "replying" : "viewing");
  });

  document.addEventListener("DOMContentLoaded", () => {
    const body = composerBody();
    if (body && body.value.trim()) setPresence("replying");
  });
})();

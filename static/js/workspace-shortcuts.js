// Keyboard shortcuts of the agent workspace (the "?" dialog lists them).
// They never fire while the user types in a field, and never with Ctrl, Alt or Meta held.
(() => {
  const typing = (el) =>
    el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));

  const rows = () => Array.from(document.querySelectorAll("[data-queue-row]"));

  function currentRow() {
    return rows().findIndex((row) => row.classList.contains("is-current"));
  }

  function moveTo(index) {
    const all = rows();
    if (!all.length) return;
    const next = Math.max(0, Math.min(all.length - 1, index));
    all.forEach((row, i) => {
      row.classList.toggle("is-current", i === next);
      row.setAttribute("aria-selected", i === next ? "true" : "false");
    });
    const link = all[next].querySelector("[data-queue-link]");
    if (link) link.focus();
    all[next].scrollIntoView({ block: "nearest" });
  }

  function openCurrent() {
    const all = rows();
    const index = currentRow();
    if (index >= 0) window.location.assign(all[index].dataset.href);
  }

  function compose(kind) {
    const radio = document.querySelector(`#composer-form input[name="kind"][value="${kind}"]`);
    const body = document.querySelector("#composer-form textarea[name='body']");
    if (!radio || !body) return false;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    body.focus();
    return true;
  }

  function press(action) {
    const button = document.querySelector(`[data-shortcut-action="${action}"]`);
    if (!button || button.disabled) return false;
    button.click();
    return true;
  }

  function focusSearch() {
    const search = document.querySelector("[data-shortcut='search']");
    if (search) {
      search.focus();
      search.select();
      return true;
    }
    window.location.assign("/tickets/#search");
    return true;
  }

  function showHelp() {
    const dialog = document.getElementById("shortcuts-help");
    if (dialog && !dialog.open) dialog.showModal();
    return Boolean(dialog);
  }

  const keys = {
    j: () => (rows().length ? (moveTo(currentRow() + 1), true) : false),
    k: () => (rows().length ? (moveTo(currentRow() < 0 ? 0 : currentRow() - 1), true) : false),
    o: () => (currentRow() >= 0 ? (openCurrent(), true) : false),
    r: () => compose("reply"),
    n: () => compose("note"),
    a: () => press("assign"),
    s: () => press("solve"),
    "/": focusSearch,
    "?": showHelp,
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(event.target)) {
      if (event.key === "Escape" && event.target.tagName !== "SELECT") event.target.blur();
      return;
    }
    if (document.querySelector("dialog[open]")) return;
    if (event.key === "Enter" && event.target.closest && event.target.closest("[data-queue-row]")) return;
    const handler = keys[event.key];
    if (handler && handler()) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", () => {
    if (window.location.hash === "#search") focusSearch();
  });
  // After htmx swaps the queue, the row marker starts again from the top.
  document.addEventListener("htmx:afterSwap", () => rows().forEach((row) => row.classList.remove("is-current")));
})();

// Knowledge-base results in the ticket composer: "insert link" / "insert text" buttons fill the
// reply textarea. The composer marks its container with data-kb-insert-target="<textarea id>";
// without it the nearest form's textarea[name=body] is used.
(() => {
  function targetFor(button) {
    const holder = button.closest("[data-kb-insert-target]");
    if (holder) return document.getElementById(holder.dataset.kbInsertTarget);
    const form = button.closest("form");
    return (form && form.querySelector("textarea[name=body]")) || document.querySelector("textarea[name=body]");
  }

  function insert(textarea, text) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? textarea.value.length;
    const before = textarea.value.slice(0, start);
    const spacer = before && !before.endsWith("\n") ? "\n" : "";
    textarea.value = before + spacer + text + textarea.value.slice(end);
    const caret = (before + spacer + text).length;
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.focus();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-kb-insert]");
    if (!button) return;
    const textarea = targetFor(button);
    if (!textarea) return;
    const { kbInsert, kbTitle, kbUrl, kbText } = button.dataset;
    insert(textarea, kbInsert === "link" ? `${kbTitle}: ${kbUrl}` : kbText);
  });
})();

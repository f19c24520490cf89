// The queue: "select all" for the bulk actions.
document.addEventListener("change", (event) => {
  if (!event.target.matches("[data-select-all]")) return;
  document
    .querySelectorAll("input[name='tickets'][form='bulk-form']")
    .forEach((box) => { box.checked = event.target.checked; });
});

// Help center: the language picker submits itself when changed (a plain form without JS).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-submit-on-change]");
  if (select && select.form) select.form.submit();
});

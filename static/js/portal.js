// Portal: knowledge-base suggestions under the subject of a new request.
// The subject field asks /help/suggest/ as you type (htmx, debounced). The endpoint wants `q`, and the
// region stays hidden until it has suggestions and hides again on any error (e.g. no knowledge base).
(() => {
  const isSuggest = (event) => event.detail.elt && event.detail.elt.dataset && event.detail.elt.dataset.suggestParam;
  const region = (event) => document.getElementById("kb-suggestions");

  document.addEventListener("htmx:configRequest", (event) => {
    if (!isSuggest(event)) return;
    const elt = event.detail.elt;
    const params = event.detail.parameters;
    params[elt.dataset.suggestParam] = elt.value;
    delete params[elt.name];
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (target && target.id === "kb-suggestions") target.hidden = !target.textContent.trim();
  });
  const hide = (event) => {
    if (!isSuggest(event)) return;
    const target = region(event);
    if (target) {
      target.hidden = true;
      target.replaceChildren();
    }
  };
  document.addEventListener("htmx:responseError", hide);
  document.addEventListener("htmx:sendError", hide);
})();

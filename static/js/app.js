// Helpdesk front-end glue, loaded on every page.
// Alpine components are registered with Alpine.data() so that the CSP build runs them.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("[name=csrfmiddlewaretoken]");
  if (token && !event.detail.headers["X-CSRFToken"]) event.detail.headers["X-CSRFToken"] = token.value;
});

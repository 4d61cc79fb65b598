// Site-wide behaviour. The Content-Security-Policy allows no inline scripts, styles or
// event-handler attributes: what pages would otherwise do inline is done here, from data-*
// attributes, for the initial page and for every piece htmx swaps in.

// htmx sends the CSRF token from the page's meta tag on every request.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});

// <form data-reset-on-success>: empty the form once htmx has posted it (a new comment).
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (event.detail.successful && form instanceof HTMLFormElement && form.hasAttribute("data-reset-on-success")) {
    form.reset();
  }
});

// <img data-placeholder-colour="#rrggbb">: the photo's average colour (from its blurhash)
// shows while it loads. Set through the CSSOM, which the policy allows, unlike style="".
const COLOUR = /^#[0-9a-f]{6}$/i;
function paintPlaceholders(root) {
  const elements = root.querySelectorAll ? root.querySelectorAll("[data-placeholder-colour]") : [];
  for (const element of [root, ...elements]) {
    const colour = element.dataset && element.dataset.placeholderColour;
    if (colour && COLOUR.test(colour)) element.style.backgroundColor = colour;
  }
}
document.addEventListener("htmx:load", (event) => paintPlaceholders(event.detail.elt));
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => paintPlaceholders(document));
} else {
  paintPlaceholders(document);
}

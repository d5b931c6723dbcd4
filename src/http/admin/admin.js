// Progressive enhancement only: every page works without this file.
// Forms marked data-confirm ask before they submit (deleting a mapping cannot be undone).
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// A page showing background work in progress (a company list being read from a PSA) carries data-reload-after="<s>":
// it reloads itself until the work is done — but not while the admin is typing or choosing in a form.
const waiting = document.querySelector('[data-reload-after]');
if (waiting) {
  const delay = (Number(waiting.getAttribute('data-reload-after')) || 5) * 1000;
  const tick = () => {
    const active = document.activeElement;
    if (active && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) window.setTimeout(tick, delay);
    else window.location.reload();
  };
  window.setTimeout(tick, delay);
}

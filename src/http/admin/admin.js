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

// A search box with data-suggest="<url>" and a datalist: as the admin types (3 characters or more), up to 20
// suggestions from <url>?q= fill the list; picking one puts its value (e.g. connectwise:19300) in the box.
for (const box of document.querySelectorAll('input[data-suggest][list]')) {
  const list = document.getElementById(box.getAttribute('list'));
  let timer;
  let asked = '';
  box.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      const q = box.value.trim();
      if (q.length < 3 || q === asked || /^(connectwise|halo):/.test(q)) return;
      asked = q;
      try {
        const res = await fetch(`${box.dataset.suggest}?q=${encodeURIComponent(q)}`, { credentials: 'same-origin', headers: { accept: 'application/json' } });
        if (!res.ok || box.value.trim() !== q) return;
        const options = (await res.json()).map(({ value, label }) => Object.assign(document.createElement('option'), { value, label }));
        list.replaceChildren(...options);
      } catch {
        // Suggestions are a convenience: the form works without them.
      }
    }, 200);
  });
}

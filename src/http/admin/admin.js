// Progressive enhancement only: every page works without this file.
// Forms marked data-confirm ask before they submit (deleting a mapping cannot be undone).
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

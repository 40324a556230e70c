// The example's only script: a "Copy" button for the recovery codes. Without JavaScript the codes
// are still on the page and in the download.
for (const button of document.querySelectorAll('button[data-copy]')) {
  const source = document.querySelector(button.dataset.copy);
  if (!source || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    const text = [...source.querySelectorAll('li')].map((li) => li.textContent).join('\n');
    try {
      await navigator.clipboard.writeText(`${text}\n`);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed: select the codes instead';
    }
  });
}

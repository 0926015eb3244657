// /explore: open the details of the point (or row) a link leads to, and copy citations.
// The page works without this script: the form is a plain GET form, the points are links to
// their details, and every citation is on the page as text.
"use strict";

function openDetails(id) {
  const target = id && document.getElementById(id);
  if (target instanceof HTMLDetailsElement) {
    target.open = true;
    target.querySelector(":scope > summary").focus();
  }
}

function copyWithoutClipboardApi(text) {
  // Plain http outside localhost has no navigator.clipboard; a selected textarea still copies.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  document.body.append(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  return copied;
}

async function copyFrom(button) {
  const text = document.getElementById(button.dataset.copy).textContent;
  let copied = true;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    copied = copyWithoutClipboardApi(text);
    button.focus();
  }
  const what = button.dataset.copy.startsWith("bib-") ? "BibTeX" : "Citation";
  document.getElementById("copy-status").textContent = copied
    ? `${what} copied to the clipboard.`
    : "Copying failed: select the text and copy it.";
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button.copy");
  if (button) {
    copyFrom(button);
    return;
  }
  const link = event.target.closest("a[href^='#']");
  if (link) {
    openDetails(decodeURIComponent(link.getAttribute("href").slice(1)));
  }
});

window.addEventListener("hashchange", () => openDetails(decodeURIComponent(location.hash.slice(1))));

document.addEventListener("DOMContentLoaded", () => {
  for (const buttons of document.querySelectorAll(".cite .buttons")) {
    buttons.hidden = false;
  }
  openDetails(decodeURIComponent(location.hash.slice(1)));
});

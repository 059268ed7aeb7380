// vi2en page behaviour that needs no server: the character counter, Ctrl/⌘+Enter, and a view
// that follows the work on small screens. Loaded once by launch(js=...); events call window.vi2en.
() => {
  const grouped = new Intl.NumberFormat("en-US");

  // "12,345 / 100,000 characters": a warning from 90 % of the limit, an error above it.
  // Characters are code points, as the server counts them (Python's len).
  function count(text, limit) {
    const n = [...(text || "")].length;
    let level = "", note = "";
    if (n > limit) {
      level = " over";
      note = ` — ${grouped.format(n - limit)} over the limit`;
    } else if (n >= 0.9 * limit) {
      level = " warn";
      note = " — near the limit";
    }
    return `<span class="vi2en-count${level}" data-count="${n}">` +
      `${grouped.format(n)} / ${grouped.format(limit)} characters${note}</span>`;
  }

  // Bring an element into view when it is off screen or low on it (a phone, where the results
  // sit below the source); on a wide screen it is already in view and nothing moves.
  function follow(selector) {
    const element = document.querySelector(selector);
    if (!element) return;
    const top = element.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.4) {
      window.scrollTo({ top: window.scrollY + top - 56, behavior: "smooth" });
    }
  }

  // Ctrl+Enter (⌘+Enter on a Mac) in the source box translates.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.isComposing) return;
    if (!event.target.closest || !event.target.closest("#source")) return;
    event.preventDefault();
    const button = document.querySelector("#translate-btn");
    if (button && !button.disabled) button.click();
  });

  // Toast titles: Gradio 6.31 titles every toast by its kind ("Warning") and drops the title
  // the server sends, so each message starts with its own (<strong class="vi2en-toast">Text too
  // long.</strong>) and the header shows it: an attribute read by CSS, leaving the DOM that
  // Gradio renders untouched. Without this script the title stays readable in the message.
  function retitle() {
    for (const toast of document.querySelectorAll('[data-testid="toast-body"]')) {
      const marks = toast.querySelectorAll(".vi2en-toast");
      const header = toast.querySelector(".toast-title");
      if (!marks.length || !header) continue;
      const wanted = marks[marks.length - 1].textContent.trim().replace(/\.$/, "");
      if (header.dataset.vi2enTitle !== wanted) header.dataset.vi2enTitle = wanted;
    }
  }
  new MutationObserver(retitle).observe(document.body, { childList: true, subtree: true });

  window.vi2en = { count, follow };
}

// The handout's "Print" button: open the browser's print dialog (save as PDF there).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});

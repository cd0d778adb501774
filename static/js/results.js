// After a search the page opens at #answer: move the focus there too (phones, screen readers).
(function () {
  "use strict";
  if (location.hash === "#answer") {
    var answer = document.getElementById("answer");
    if (answer && answer.focus) {
      answer.focus({ preventScroll: false });
      answer.scrollIntoView({ block: "start" });
    }
  }
  var print = document.getElementById("print-plan");
  if (print) {
    print.addEventListener("click", function () { window.print(); });
  }
})();

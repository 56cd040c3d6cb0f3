// Skip rules on the answer page: a question with data-show-if-item is shown only when that
// earlier question's answer is at most data-show-if-max; hidden questions are not sent.
(function () {
  function apply(form) {
    form.querySelectorAll("fieldset[data-show-if-item]").forEach(function (box) {
      var picked = form.querySelector('input[name="q_' + box.dataset.showIfItem + '"]:checked');
      var show = picked && !picked.disabled && Number(picked.value) <= Number(box.dataset.showIfMax);
      box.hidden = !show;
      box.querySelectorAll("input").forEach(function (input) { input.disabled = !show; });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.survey-form").forEach(function (form) {
      apply(form);
      form.addEventListener("change", function () { apply(form); });
    });
  });
})();

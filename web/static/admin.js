/* 春风政采助手 admin page: refuse oversized uploads before sending them (the server refuses them too). */
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var input = document.getElementById("upload-files");
  var error = document.getElementById("upload-error");
  var maxMb = Number(form.getAttribute("data-max-mb")) || 20;
  var limit = maxMb * 1024 * 1024;

  function problem() {
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) { return "请先选择要上传的政策文件（可以一次选择多个）。"; }
    var big = files.filter(function (f) { return f.size > limit; }).map(function (f) { return f.name; });
    if (big.length) { return "以下文件超过 " + maxMb + " MB 的上限，不能上传：" + big.join("、") + "。请拆分文件后再上传。"; }
    var total = files.reduce(function (sum, f) { return sum + f.size; }, 0);
    if (total > limit) { return "所选文件合计 " + (total / 1048576).toFixed(1) + " MB，超过一次上传 " + maxMb + " MB 的上限，请分几次上传。"; }
    return "";
  }

  input.addEventListener("change", function () {
    var text = problem();
    error.textContent = text;
    error.hidden = !text;
  });
  form.addEventListener("submit", function (event) {
    var text = problem();
    if (text) {
      event.preventDefault();
      error.textContent = text;
      error.hidden = false;
      return;
    }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    button.textContent = "正在导入，请稍候…";
  });
})();

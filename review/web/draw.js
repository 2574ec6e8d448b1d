// Drawing a box on the original: drag with the mouse; the box, in the
// original's own pixels, is added as a line "x,y,w,h" to the form's add
// field (which can also be typed in). Nothing else runs on the page.
(function () {
  var area = document.getElementById("draw");
  var img = document.getElementById("original");
  var add = document.getElementById("add");
  if (!area || !img || !add) {
    return;
  }
  var start = null, box = null;
  function at(e) {
    var r = img.getBoundingClientRect();
    return {x: Math.min(Math.max(e.clientX - r.left, 0), r.width), y: Math.min(Math.max(e.clientY - r.top, 0), r.height)};
  }
  area.addEventListener("mousedown", function (e) {
    e.preventDefault();
    start = at(e);
    box = document.createElement("div");
    box.className = "box";
    area.appendChild(box);
  });
  window.addEventListener("mousemove", function (e) {
    if (!start) {
      return;
    }
    var p = at(e);
    box.style.left = Math.min(p.x, start.x) + "px";
    box.style.top = Math.min(p.y, start.y) + "px";
    box.style.width = Math.abs(p.x - start.x) + "px";
    box.style.height = Math.abs(p.y - start.y) + "px";
  });
  window.addEventListener("mouseup", function (e) {
    if (!start) {
      return;
    }
    var p = at(e), r = img.getBoundingClientRect();
    var sx = img.naturalWidth / r.width, sy = img.naturalHeight / r.height;
    var x = Math.round(Math.min(p.x, start.x) * sx), y = Math.round(Math.min(p.y, start.y) * sy);
    var w = Math.round(Math.abs(p.x - start.x) * sx), h = Math.round(Math.abs(p.y - start.y) * sy);
    start = null;
    if (w < 4 || h < 4) {
      area.removeChild(box);
      return;
    }
    add.value += (add.value && !add.value.endsWith("\n") ? "\n" : "") + x + "," + y + "," + w + "," + h + "\n";
  });
})();

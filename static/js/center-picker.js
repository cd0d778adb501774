// The center type-ahead: a WAI-ARIA 1.2 combobox with a listbox popup, over a center <select>
// (data-center-picker="single": one center, posted under the select's name) or over the text
// input and <datalist> of the admin's assignment (data-center-picker="several": each center
// picked is added at once as a ticked box). The page's words come from the element's
// data-picker-* attributes. Without this script the select and the datalist work as they are.
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
  }

  function item(id, name, label, place, more) {
    return { id: id, name: name, label: label, place: place, key: fold([name, place, more].join(" ")) };
  }

  // Names whose start matches first, then a word's start, then anywhere; the list's order within.
  function matching(items, text) {
    var query = fold(text);
    var tokens = query.split(" ").filter(Boolean);
    var found = items.filter(function (one) {
      return tokens.every(function (token) { return one.key.indexOf(token) !== -1; });
    });
    var rank = function (one) {
      if (fold(one.name).indexOf(query) === 0) { return 0; }
      return (" " + one.key).indexOf(" " + tokens[0]) !== -1 ? 1 : 2;
    };
    return found
      .map(function (one, index) { return { one: one, rank: rank(one), index: index }; })
      .sort(function (a, b) { return a.rank - b.rank || a.index - b.index; })
      .map(function (entry) { return entry.one; });
  }

  function words(element) {
    var data = element.dataset;
    return {
      none: data.pickerNone || "",
      one: data.pickerOne || "",
      many: data.pickerMany || "",
      added: data.pickerAdded || "",
      again: data.pickerAgain || "",
      invalid: data.pickerInvalid || "",
      keys: data.pickerKeys || "",
      hint: data.pickerHint || "",
    };
  }

  function labelOf(input) {
    var label = document.querySelector('label[for="' + input.id + '"]');
    if (label && !label.id) { label.id = input.id + "-label"; }
    return label;
  }

  function describe(input, id) {
    var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    ids.unshift(id);
    input.setAttribute("aria-describedby", ids.join(" "));
  }

  // Turn `input` into the combobox over `items`; `pick(item)` is called with the chosen one.
  // `offered()` filters the items offered now; `typed()` is told of every change of the text.
  function combobox(input, items, said, hooks) {
    var base = input.id;
    var label = labelOf(input);
    var wrap = document.createElement("div");
    wrap.className = "center-picker";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);

    var list = document.createElement("ul");
    list.id = base + "-suggestions";
    list.className = "center-picker-list";
    list.setAttribute("role", "listbox");
    if (label) { list.setAttribute("aria-labelledby", label.id); }
    list.hidden = true;
    wrap.appendChild(list);

    var status = document.createElement("p");
    status.className = "visually-hidden";
    // A live region without the status role: a page's own status message stays the one.
    status.setAttribute("aria-live", "polite");
    status.setAttribute("aria-atomic", "true");
    status.id = base + "-count";
    wrap.appendChild(status);

    var told = said.hint && document.getElementById(said.hint);
    if (said.keys && told) {
      told.textContent = said.keys;
    } else if (said.keys) {
      var hint = document.createElement("p");
      hint.className = "hint";
      hint.id = base + "-keys";
      hint.textContent = said.keys;
      wrap.parentNode.insertBefore(hint, wrap);
      describe(input, hint.id);
    }

    input.removeAttribute("list");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");

    var shown = [];
    var active = -1;
    var timer = null;

    function announce(text) {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        status.textContent = "";
        window.setTimeout(function () { status.textContent = text; }, 50);
      }, 400);
    }

    function counted(number) {
      if (number === 0) { return said.none; }
      return number === 1 ? said.one : said.many.replace("{count}", String(number));
    }

    function setActive(index) {
      var options = list.children;
      if (active >= 0 && options[active]) { options[active].setAttribute("aria-selected", "false"); }
      active = index;
      if (active < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      options[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function close() {
      setActive(-1);
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function open(found) {
      shown = found;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      list.textContent = "";
      found.forEach(function (one, index) {
        var option = document.createElement("li");
        option.id = base + "-option-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.textContent = one.name;
        option.appendChild(name);
        if (one.place) {
          var place = document.createElement("span");
          place.className = "center-picker-place";
          place.textContent = one.place;
          option.appendChild(document.createTextNode(" "));
          option.appendChild(place);
        }
        list.appendChild(option);
      });
      if (found.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
      announce(counted(found.length));
    }

    function offered() {
      return items.filter(hooks.offered || function () { return true; });
    }

    function choose(index) {
      var one = shown[index];
      close();
      if (one) { hooks.pick(one); }
    }

    input.addEventListener("input", function () {
      if (hooks.typed) { hooks.typed(input.value); }
      if (fold(input.value)) {
        open(matching(offered(), input.value));
      } else {
        close();
        window.clearTimeout(timer);
      }
    });

    input.addEventListener("keydown", function (event) {
      var key = event.key;
      var isOpen = !list.hidden;
      if (key === "ArrowDown" || key === "ArrowUp") {
        event.preventDefault();
        if (!isOpen) {
          open(fold(input.value) ? matching(offered(), input.value) : offered());
          if (!shown.length || event.altKey) { return; }
          setActive(key === "ArrowDown" ? 0 : shown.length - 1);
          return;
        }
        if (event.altKey && key === "ArrowUp") { close(); return; }
        var step = key === "ArrowDown" ? 1 : -1;
        var next = active < 0 ? (step > 0 ? 0 : shown.length - 1) : (active + step + shown.length) % shown.length;
        setActive(next);
      } else if ((key === "Home" || key === "End") && isOpen && active >= 0) {
        event.preventDefault();
        setActive(key === "Home" ? 0 : shown.length - 1);
      } else if (key === "Enter" && isOpen && shown.length) {
        event.preventDefault();
        choose(active >= 0 ? active : 0);
      } else if (key === "Escape") {
        if (isOpen) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          if (hooks.typed) { hooks.typed(""); }
        }
      } else if (key === "Tab") {
        close();
      }
    });

    input.addEventListener("blur", function () { close(); });
    // A pointer's pick: the focus stays in the input.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var option = event.target.closest('[role="option"]');
      if (option) { choose(Array.prototype.indexOf.call(list.children, option)); }
    });

    return { announce: announce };
  }

  // One center: the select gives way to the combobox and a hidden field of the same name.
  function single(select) {
    var said = words(select);
    var items = Array.prototype.filter.call(select.options, function (option) { return option.value; })
      .map(function (option) {
        var name = option.textContent.trim();
        return item(option.value, name, name, option.dataset.place || "", option.dataset.more || "");
      });
    var chosen = select.value;
    var input = document.createElement("input");
    input.type = "text";
    input.id = select.id;
    input.className = select.className;
    ["aria-describedby", "aria-invalid", "form"].forEach(function (name) {
      if (select.hasAttribute(name)) { input.setAttribute(name, select.getAttribute(name)); }
    });
    input.required = select.required;
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = select.name;
    if (select.hasAttribute("form")) { hidden.setAttribute("form", select.getAttribute("form")); }
    select.parentNode.insertBefore(input, select);
    select.parentNode.insertBefore(hidden, select);
    select.parentNode.removeChild(select);

    function settle(id) {
      hidden.value = id;
      input.setCustomValidity(input.value.trim() && !id ? said.invalid : "");
    }

    items.forEach(function (one) { if (one.id === chosen) { input.value = one.name; } });
    settle(input.value ? chosen : "");
    combobox(input, items, said, {
      pick: function (one) {
        input.value = one.name;
        settle(one.id);
      },
      // Typed out in full, a name (or its label) is chosen without the list.
      typed: function (text) {
        var key = fold(text);
        var exact = items.filter(function (one) { return fold(one.name) === key || fold(one.label) === key; });
        settle(exact.length === 1 ? exact[0].id : "");
      },
    });
  }

  // Several centers: a pick adds a ticked box to the group at once and empties the input.
  function several(input) {
    var said = words(input);
    var source = input.list || document.getElementById(input.getAttribute("list"));
    if (!source) { return; }
    var items = Array.prototype.filter.call(source.options, function (option) { return option.dataset.id; })
      .map(function (option) {
        return item(option.dataset.id, option.dataset.name || option.value, option.value,
          option.dataset.place || "", option.dataset.more || "");
      });
    var field = input.closest(".field") || input.parentNode;
    var group = field.parentNode;
    var box = function (id) {
      return Array.prototype.filter.call(group.querySelectorAll('input[type="checkbox"][name="centers"]'),
        function (one) { return one.value === id; })[0];
    };
    var picker = combobox(input, items, said, {
      offered: function (one) {
        var ticked = box(one.id);
        return !(ticked && ticked.checked);
      },
      pick: function (one) {
        input.value = "";
        var ticked = box(one.id);
        if (ticked) {
          ticked.checked = true;
          picker.announce(said.again.replace("{name}", one.label));
          return;
        }
        var choice = document.createElement("div");
        choice.className = "choice";
        var check = document.createElement("input");
        check.type = "checkbox";
        check.id = "center-" + one.id;
        check.name = "centers";
        check.value = one.id;
        check.checked = true;
        var text = document.createElement("label");
        text.htmlFor = check.id;
        text.textContent = one.label;
        choice.appendChild(check);
        choice.appendChild(text);
        group.insertBefore(choice, field);
        picker.announce(said.added.replace("{name}", one.label));
      },
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('select[data-center-picker="single"]'), single);
  Array.prototype.forEach.call(document.querySelectorAll('input[data-center-picker="several"]'), several);
})();

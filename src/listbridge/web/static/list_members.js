// /lists/NAME/add: the filter text is checked as it is typed (GET …/check), the error
// shown beside the field with a caret under its column; "Add a criterion" copies the
// last criteria row. Without JavaScript the search shows the same error (400).
document.addEventListener("DOMContentLoaded", () => {
  const where = document.getElementById("where");
  const box = document.getElementById("where-error");
  const message = document.getElementById("where-message");
  const pointer = document.getElementById("where-pointer");
  let timer = null;
  let asked = 0;
  const show = (answer, text) => {
    const bad = !answer.ok;
    box.hidden = !bad;
    where.setAttribute("aria-invalid", bad ? "true" : "false");
    message.textContent = bad ? answer.message : "";
    pointer.textContent = bad
      ? text.replace(/\s/g, " ") + "\n" + " ".repeat(answer.position || 0) + "^"
      : "";
  };
  const check = async () => {
    const text = where.value;
    const mine = ++asked;
    const url = where.dataset.check + "?where=" + encodeURIComponent(text);
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok || mine !== asked) return;
      show(await response.json(), text);
    } catch (_error) {
      // offline or signed out: the search itself still says what is wrong
    }
  };
  if (where && where.dataset.check) {
    where.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(check, 250);
    });
  }
  const add = document.getElementById("add-criterion");
  if (add) {
    add.hidden = false;
    add.addEventListener("click", () => {
      const rows = document.querySelectorAll("#criteria .criterion");
      const last = rows[rows.length - 1];
      const row = last.cloneNode(true);
      const n = String(rows.length + 1);
      row.classList.remove("invalid");
      row.querySelectorAll(".field-error").forEach((el) => el.remove());
      row.querySelectorAll("input").forEach((input) => { input.value = ""; });
      row.querySelectorAll("select").forEach((select) => { select.selectedIndex = 0; });
      row.querySelectorAll("[id]").forEach((el) => { el.id = el.id.replace(/\d+$/, n); });
      row.querySelectorAll("label[for]").forEach((el) => { el.htmlFor = el.htmlFor.replace(/\d+$/, n); });
      last.after(row);
    });
  }
});

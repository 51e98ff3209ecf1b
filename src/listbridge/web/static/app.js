// A little help on top of pages that work without it.
document.addEventListener("DOMContentLoaded", () => {
  // The connection switcher applies a choice at once (its button stays for keyboards).
  const switcher = document.getElementById("connection-switcher");
  const select = switcher && switcher.querySelector("select");
  if (select) select.addEventListener("change", () => switcher.submit());
  // The custom-field editor: "Add a pair" copies the last row, emptied, up to the limit.
  const add = document.getElementById("add-pair");
  if (add) {
    add.addEventListener("click", () => {
      const body = document.querySelector("#custom-fields tbody");
      const rows = body.querySelectorAll("tr");
      if (rows.length >= Number(add.dataset.limit)) return;
      const row = rows[rows.length - 1].cloneNode(true);
      row.querySelectorAll("input").forEach((input) => { input.value = ""; });
      row.querySelectorAll("[id]").forEach((el) => { el.id = el.id.replace(/\d+$/, String(rows.length)); });
      row.querySelectorAll("label[for]").forEach((el) => { el.htmlFor = el.htmlFor.replace(/\d+$/, String(rows.length)); });
      body.appendChild(row);
      add.disabled = rows.length + 1 >= Number(add.dataset.limit);
    });
  }
});

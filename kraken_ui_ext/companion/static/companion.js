// Small conveniences only; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // filters apply as soon as a choice changes
  document.querySelectorAll("[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form && el.form.submit());
  });
  // the assignment form shows the vendor or instrument choice only for that scope
  const scopeType = document.getElementById("scope-type");
  if (scopeType) {
    const update = () => {
      document.querySelectorAll("[data-scope]").forEach((label) => {
        const shown = label.dataset.scope === scopeType.value;
        label.hidden = !shown;
        label.querySelectorAll("select").forEach((s) => { s.disabled = !shown; });
      });
    };
    scopeType.addEventListener("change", update);
    update();
  }
  // the settings form shows the AlphaDIA fields or the chosen tool's parameters
  const toolChoice = document.getElementById("tool-choice");
  if (toolChoice) {
    const update = () => {
      document.querySelectorAll("[data-tool]").forEach((group) => {
        const shown = group.dataset.tool === toolChoice.value;
        group.hidden = !shown;
        group.querySelectorAll("input, select").forEach((field) => { field.disabled = !shown; });
      });
    };
    toolChoice.addEventListener("change", update);
    update();
  }
});

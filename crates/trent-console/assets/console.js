// Trent console: small conveniences on top of pages that work without this script.
// Every check here is repeated by the server; this only answers sooner.
"use strict";

document.documentElement.classList.add("js");

// Region menu: switch as soon as a region is picked.
for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  const button = select.form && select.form.querySelector("[data-js-hidden]");
  if (button) {
    button.hidden = true;
  }
  select.addEventListener("change", () => select.form && select.form.requestSubmit());
}

// Create-key wizard, step 1: offer only the usages and key specs that fit the chosen key type.
const wizard = document.querySelector("form[data-wizard]");
if (wizard && wizard.querySelector("select[name=key_spec]")) {
  const spec = wizard.querySelector("select[name=key_spec]");
  const checked = (name) => {
    const input = wizard.querySelector(`input[name=${name}]:checked`);
    return input ? input.value : "";
  };
  const refresh = () => {
    const type = checked("key_type");
    // Usages: hide those the type cannot have; keep a valid one checked.
    let usageOk = false;
    for (const choice of wizard.querySelectorAll("[data-key-types]")) {
      const fits = choice.dataset.keyTypes.split(" ").includes(type);
      choice.hidden = !fits;
      const radio = choice.querySelector("input");
      radio.disabled = !fits;
      if (fits && radio.checked) {
        usageOk = true;
      }
    }
    if (!usageOk) {
      const first = wizard.querySelector("[data-key-types]:not([hidden]) input");
      if (first) {
        first.checked = true;
      }
    }
    // Specs: hide those that do not fit the type and usage; keep a valid one selected.
    const usage = checked("key_usage");
    let selectedOk = false;
    for (const option of spec.options) {
      const fits = option.dataset.keyType === type && option.dataset.usages.split(" ").includes(usage);
      option.hidden = !fits;
      option.disabled = !fits;
      if (fits && option.selected) {
        selectedOk = true;
      }
    }
    if (!selectedOk) {
      const first = Array.from(spec.options).find((o) => !o.disabled);
      if (first) {
        first.selected = true;
      }
    }
    spec.disabled = type === "symmetric";
  };
  // A disabled field is not submitted: enable everything again just before sending.
  wizard.addEventListener("submit", () => {
    for (const field of wizard.querySelectorAll("input[name=key_usage], select[name=key_spec], select[name=key_spec] option")) {
      field.disabled = false;
    }
  });
  wizard.addEventListener("change", (event) => {
    if (event.target.name === "key_type" || event.target.name === "key_usage") {
      refresh();
    }
  });
  refresh();
}

// Key policy editor: say at once whether the text is JSON, and do not send it when it is not.
for (const editor of document.querySelectorAll("textarea[data-json-editor]")) {
  const status = document.getElementById("policy-status");
  const check = () => {
    try {
      JSON.parse(editor.value);
      editor.setAttribute("aria-invalid", "false");
      if (status) {
        status.textContent = "Valid JSON.";
        status.className = "json-status valid";
      }
      return true;
    } catch (error) {
      editor.setAttribute("aria-invalid", "true");
      if (status) {
        status.textContent = `Not valid JSON: ${error.message}`;
        status.className = "json-status invalid";
      }
      return false;
    }
  };
  editor.addEventListener("input", check);
  if (editor.form) {
    editor.form.addEventListener("submit", (event) => {
      if (!check()) {
        event.preventDefault();
        editor.focus();
      }
    });
  }
}

// Deletion: the button stays disabled until the confirmation word is typed.
for (const input of document.querySelectorAll("input[data-confirm-word]")) {
  const button = input.form && input.form.querySelector("[data-confirm-button]");
  if (!button) {
    continue;
  }
  const update = () => {
    button.disabled = input.value.trim() !== input.dataset.confirmWord;
  };
  input.addEventListener("input", update);
  update();
}

// Try it: bring the result into view after an operation.
const result = document.getElementById("result");
if (result) {
  result.scrollIntoView({ block: "nearest" });
}

// JavaScript lint for the pages (part of `make test`). The rule that matters most: no
// HTML is ever built from strings — data reaches a page only through DOM APIs (dom.js).
import js from "@eslint/js";
import globals from "globals";
import noUnsanitized from "eslint-plugin-no-unsanitized";

const NO_HTML_STRINGS = [
  { selector: "AssignmentExpression[left.property.name=/^(innerHTML|outerHTML)$/]", message: "build DOM with dom.js (el/show), never HTML strings" },
  { selector: "CallExpression[callee.property.name=/^(insertAdjacentHTML|createContextualFragment)$/]", message: "build DOM with dom.js (el/show), never HTML strings" },
  { selector: "CallExpression[callee.object.name='document'][callee.property.name=/^(write|writeln)$/]", message: "never document.write" },
  { selector: "CallExpression[callee.property.name=/^(bindTooltip|bindPopup|setContent|setTooltipContent|setPopupContent)$/] > :matches(Literal, TemplateLiteral, BinaryExpression).arguments:first-child", message: "Leaflet parses strings as HTML: give it an element (dom.js el) or a function returning one" },
  { selector: "Property[key.name='html'] > :matches(Literal[value=/</], TemplateLiteral, BinaryExpression)", message: "Leaflet divIcon html is parsed as HTML: give it an element" },
];

export default [
  { ignores: ["node_modules/**", "**/vendor/**", ".venv/**", "var/**", "tests/artifacts/**"] },
  js.configs.recommended,
  {
    files: ["backend/web/**/*.js"],
    plugins: { "no-unsanitized": noUnsanitized },
    languageOptions: {
      ecmaVersion: 2023, sourceType: "script",
      globals: { ...globals.browser, L: "readonly", PouchDB: "readonly", qrcode: "readonly", pmtiles: "readonly" },
    },
    rules: {
      "no-unsanitized/method": "error",
      "no-unsanitized/property": "error",
      "no-restricted-syntax": ["error", ...NO_HTML_STRINGS],
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none", ignoreRestSiblings: true }],
    },
  },
  {
    files: ["backend/web/field/*.js"],
    ignores: ["backend/web/field/sw.js"],
    languageOptions: { sourceType: "module" },
  },
  {
    files: ["backend/web/field/sw.js"],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    files: ["tests/simulator/**/*.mjs", "eslint.config.mjs"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: { ...globals.node } },
    rules: { "no-unused-vars": ["error", { ignoreRestSiblings: true }] },
  },
];

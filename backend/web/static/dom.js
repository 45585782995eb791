// The one way pages put data on screen: elements built with DOM APIs, data only ever as
// text or as attribute values, never parsed as HTML. Shared by /map, /devices and /field/.
(() => {
"use strict";

// URLs that data may put into href/src: this origin's paths and in-memory images only.
const SAFE_URL = /^(\/(?!\/)|blob:|data:image\/(png|jpeg|webp|gif);)/;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style") Object.assign(node.style, value);
    else if (/^on/i.test(key)) throw new Error(`${key}: add listeners with addEventListener`);
    else if (/^(href|src|action|formaction|xlink:href)$/i.test(key) && !SAFE_URL.test(String(value))) {
      throw new Error(`${key}: not a URL of this app`);
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...nodes(children));
  return node;
}

// Children as nodes: strings and numbers become text nodes; null, undefined and false vanish.
function nodes(children) {
  return children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false)
    .map((c) => (c instanceof Node ? c : document.createTextNode(String(c))));
}

// Replace what a container shows.
function show(container, ...children) {
  container.replaceChildren(...nodes(children));
  return container;
}

window.dom = { el, show, nodes };
})();

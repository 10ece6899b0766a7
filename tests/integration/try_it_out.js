// The docs page's "Try it out", without a browser: Swagger UI's own bundle (the copy the page
// loads) runs the page's own initializer as if the page were at PAGE_URL, then executes one
// operation as its Execute button does. Prints, as JSON, every URL the page fetched (resolved
// against the page, as a browser's fetch resolves them) and the operation's answer status.
//
// Usage: node try_it_out.js BUNDLE INITIALIZER PAGE_URL METHOD PATH [DOCUMENT]
// With DOCUMENT (a file), nothing goes over the network: the document's URL answers that file and
// any other URL answers 200 {}; without it, requests go where the page sends them.
// Only the rendering is left out (no DOM here): dom_id is set to null.
"use strict";
const fs = require("fs");

const [bundle, initializer, pageUrl, method, path, documentFile] = process.argv.slice(2);
const fetched = [];
globalThis.window = globalThis;
globalThis.location = new URL(pageUrl);
const networkFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === "string" ? input : input.url, location.href).toString();
  fetched.push(url);
  if (documentFile === undefined) return networkFetch(url, init);
  const body = fetched.length === 1 ? fs.readFileSync(documentFile, "utf8") : "{}";
  return new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
};

const SwaggerUIBundle = require(bundle);
let options;
window.SwaggerUIBundle = (given) => {
  options = given;
  return SwaggerUIBundle({ ...given, dom_id: null });
};
new Function(fs.readFileSync(initializer, "utf8"))();

async function main() {
  const ui = window.ui;
  for (let tries = 0; tries < 200 && ui.specSelectors.loadingStatus() !== "success"; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  if (ui.specSelectors.loadingStatus() !== "success") throw new Error(`document not loaded from ${fetched}`);
  const operation = ui.specSelectors.specJson().getIn(["paths", path, method]);
  if (operation === undefined) throw new Error(`no ${method} ${path} in the document`);
  await ui.specActions.execute({ path, method, operation });
  const answer = ui.specSelectors.responseFor(path, method);
  console.log(JSON.stringify({ documentUrl: options.url, fetched, status: answer && answer.get("status") }));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

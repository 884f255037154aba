/**
 * What the /docs page runs in the browser, served as files (/docs/assets/docs.js and docs.css):
 * the page's Content-Security-Policy allows no inline script or style.
 */

/**
 * Starts Swagger UI on the document the page names. Swagger UI shows no scopes for a bearer
 * scheme, so each operation's description gets what it needs (the old page's "needs" column).
 * No validator badge: it would be fetched from validator.swagger.io.
 */
export const DOCS_SCRIPT = `"use strict";
(() => {
  const root = document.getElementById("swagger-ui");
  const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

  function needs(security) {
    if (!Array.isArray(security)) return undefined;
    if (security.length === 0) return "Public: no credential needed.";
    const alternatives = security
      .map((requirement) => Object.values(requirement).flat().map((s) => "\`" + s + "\`").join(" and "))
      .filter(Boolean);
    return alternatives.length > 0
      ? "Needs the scope " + alternatives.join(" or ") + "."
      : "Needs a credential.";
  }

  function withScopes(text) {
    let doc;
    try {
      doc = JSON.parse(text);
    } catch {
      return text;
    }
    for (const item of Object.values(doc.paths ?? {})) {
      for (const method of METHODS) {
        const op = item?.[method];
        const line = op && needs(op.security ?? doc.security);
        if (line) op.description = op.description ? op.description + "\\n\\n" + line : line;
      }
    }
    return JSON.stringify(doc);
  }

  const scopeNotes = () => ({
    statePlugins: {
      spec: {
        wrapActions: {
          updateSpec: (original) => (text) =>
            original(typeof text === "string" ? withScopes(text) : text),
        },
      },
    },
  });

  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [scopeNotes],
    layout: "BaseLayout",
    deepLinking: true,
    displayRequestDuration: true,
    filter: true,
    validatorUrl: null,
  });
})();
`;

export const DOCS_CSS = `#docs-note {
  font-family: sans-serif;
  max-width: 1460px;
  box-sizing: border-box;
  margin: 1rem auto 0;
  padding: 0.75rem 1.25rem;
  background: #fff8e1;
  border-left: 4px solid #f0b400;
}
`;

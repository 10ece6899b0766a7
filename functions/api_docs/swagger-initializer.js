// Swagger UI over the API document beside this page (relative: the same stage). A file, not an
// inline script, so that the page's Content-Security-Policy can allow scripts of this API only.
// No validator badge: Swagger UI would fetch it from a public service.
window.ui = SwaggerUIBundle({ url: "openapi.json", dom_id: "#swagger-ui", validatorUrl: null });

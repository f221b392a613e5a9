// Starts Swagger UI on /api/docs with the store's own OpenAPI document. A
// file (not an inline script) so the page's policy can forbid inline code.
window.addEventListener('load', () => {
  window.SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#docs',
    deepLinking: true,
    tryItOutEnabled: true,
    persistAuthorization: false,
    // The docs page sends no cookies with the calls it tries: tokens only.
    requestInterceptor: (request) => {
      request.credentials = 'omit';
      return request;
    },
  });
});

// Validates an OpenAPI document with @apidevtools/swagger-parser (the OpenAPI 3.0 schema,
// then references and parameters), printing why when it is not valid.
// Usage: node openapi_validate.js openapi.json
const SwaggerParser = require("@apidevtools/swagger-parser");

SwaggerParser.validate(process.argv[2]).then(
  (api) => console.log(`valid OpenAPI ${api.openapi}: ${Object.keys(api.paths).length} paths`),
  (error) => {
    console.error(`invalid: ${error.message}`);
    process.exit(1);
  },
);

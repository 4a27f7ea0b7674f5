// A deliberately vulnerable Node.js function for Palisade's end-to-end tests. Do not deploy it anywhere.
'use strict';
const { execSync } = require('child_process');

const answer = (statusCode, payload) => ({ statusCode, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });

exports.handler = async (event) => {
  const query = event.queryStringParameters || {};
  const path = event.rawPath || event.path || '/';
  if (path === '/exec') {
    // A shell command built from a query parameter.
    return answer(200, { output: execSync('echo ' + (query.cmd || '')).toString() });
  }
  if (path === '/calc') {
    return answer(200, { result: eval(query.expr || '0') });
  }
  if (path === '/debug' && query.env === '1') {
    return answer(200, process.env);
  }
  if (path === '/crash') {
    try {
      null.boom();
    } catch (error) {
      return { statusCode: 500, body: error.stack };
    }
  }
  return answer(200, { hello: query.name || 'world' });
};

exports.noop = async () => ({});

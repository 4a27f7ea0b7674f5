'use strict';
// A deliberately vulnerable function for the behaviour guard's end-to-end tests. Do not deploy it.
// Each route trusts a query parameter: a shell command, a file name, a URL; `/beacon` connects to
// BEACON_ADDRESS:BEACON_PORT on its own, as code calling a forbidden endpoint would.
const { exec } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');

const answer = (statusCode, payload) => ({ statusCode, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });
const failure = (error) => answer(500, { error: `${error.code || error.name}: ${error.message}` });

// A command that ran answers with its output whatever its exit status; one that could not start
// (spawn throws for EPERM) answers 500.
function run(command) {
  return new Promise((resolve) => {
    try {
      exec(command, { timeout: 10000 }, (error, stdout) => {
        resolve(error && typeof error.code === 'string' ? failure(error) : answer(200, { output: stdout }));
      });
    } catch (error) {
      resolve(failure(error));
    }
  });
}

function fetch(url) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: 3000 }, (response) => {
      let body = '';
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve(answer(200, { status: response.statusCode, body })));
    });
    request.on('error', (error) => resolve(failure(error)));
  });
}

function beacon() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: process.env.BEACON_ADDRESS, port: Number(process.env.BEACON_PORT) });
    socket.on('connect', () => { socket.end(); resolve(answer(200, { connected: true })); });
    socket.on('error', (error) => resolve(failure(error)));
  });
}

exports.handler = async (event) => {
  const query = event.queryStringParameters || {};
  switch (event.path) {
    case '/convert':
      return run('echo converting ' + (query.doc || ''));
    case '/read':
      try {
        return answer(200, { content: fs.readFileSync(path.resolve(__dirname, 'docs', query.name || ''), 'utf8') });
      } catch (error) {
        return failure(error);
      }
    case '/fetch':
      return fetch(query.url || '');
    case '/beacon':
      return beacon();
    default:
      return answer(404, { error: 'no route' });
  }
};

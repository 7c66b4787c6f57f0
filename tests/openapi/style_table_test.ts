/**
 * The style examples table of OpenAPI 3.1 §4.8.12.4.1 ("Style Examples"), row by row, for
 * `color` = `["blue", "black", "brown"]` and `{ R: 100, G: 200, B: 150 }`: the expected strings
 * are the specification's.
 *
 * @module
 */

import assert from "node:assert/strict";
import { buildRequest } from "../../server/providers/openapi/request.ts";
import type { OpenAPIParameter, ParameterLocation } from "../../server/providers/openapi/spec.ts";

const ARRAY = ["blue", "black", "brown"];
const OBJECT = { R: 100, G: 200, B: 150 };

function sent(location: ParameterLocation, style: string, explode: boolean, value: unknown): string {
  const parameter: OpenAPIParameter = {
    name: "color",
    in: location,
    required: true,
    schema: {},
    style,
    explode,
    allowReserved: false,
  };
  const path = location === "path" ? "/{color}" : "/";
  const request = buildRequest(
    "http://api.test",
    "GET",
    path,
    { parameters: [{ arg: "color", parameter }] },
    {
      color: value,
    },
  );
  const url = request.url.slice("http://api.test/".length);
  return location === "query" ? url.slice(1) : url;
}

const ROWS: [ParameterLocation, string, boolean, unknown, string][] = [
  ["path", "matrix", false, ARRAY, ";color=blue,black,brown"],
  ["path", "matrix", true, ARRAY, ";color=blue;color=black;color=brown"],
  ["path", "matrix", false, OBJECT, ";color=R,100,G,200,B,150"],
  ["path", "matrix", true, OBJECT, ";R=100;G=200;B=150"],
  ["path", "label", false, ARRAY, ".blue,black,brown"],
  ["path", "label", true, ARRAY, ".blue.black.brown"],
  ["path", "label", false, OBJECT, ".R,100,G,200,B,150"],
  ["path", "label", true, OBJECT, ".R=100.G=200.B=150"],
  ["path", "simple", false, ARRAY, "blue,black,brown"],
  ["path", "simple", true, ARRAY, "blue,black,brown"],
  ["path", "simple", false, OBJECT, "R,100,G,200,B,150"],
  ["path", "simple", true, OBJECT, "R=100,G=200,B=150"],
  ["query", "form", false, ARRAY, "color=blue,black,brown"],
  ["query", "form", true, ARRAY, "color=blue&color=black&color=brown"],
  ["query", "form", false, OBJECT, "color=R,100,G,200,B,150"],
  ["query", "form", true, OBJECT, "R=100&G=200&B=150"],
  ["query", "spaceDelimited", false, ARRAY, "color=blue%20black%20brown"],
  ["query", "pipeDelimited", false, ARRAY, "color=blue|black|brown"],
  ["query", "deepObject", true, OBJECT, "color[R]=100&color[G]=200&color[B]=150"],
];

Deno.test("every row of OpenAPI's style examples table is serialised as the specification writes it", () => {
  const got = ROWS.map(([location, style, explode, value]) => sent(location, style, explode, value));
  assert.deepEqual(got, ROWS.map((row) => row[4]));
});

Deno.test("header values use the simple style without percent-encoding", () => {
  const parameter: OpenAPIParameter = {
    name: "X-Color",
    in: "header",
    required: false,
    schema: {},
    style: "simple",
    explode: true,
    allowReserved: false,
  };
  const request = buildRequest("http://api.test", "GET", "/", { parameters: [{ arg: "c", parameter }] }, {
    c: { R: "1 0", G: 200 },
  });
  assert.equal(request.headers.get("x-color"), "R=1 0,G=200");
});

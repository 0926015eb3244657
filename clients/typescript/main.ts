/**
 * A TypeScript developer's first client, written as the README shows it: types generated from
 * the live /openapi.json (`npm run generate`), the default openapi-fetch client, no casts.
 * `tsc --noEmit` (strict) proves the generated types are usable as they are; running it against
 * a server (API_URL) proves the behaviour. Exits 1 when an expectation fails.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Problem = components["schemas"]["Problem"];
type Sentence = components["schemas"]["SentenceRead"];

const client = createClient<paths>({ baseUrl: process.env.API_URL ?? "http://127.0.0.1:8000" });
const failures: string[] = [];

function check(ok: boolean, what: string): void {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
}

/** The cursor of a `next` link: the only query parameter that changes from page to page. */
function cursorOf(next: string | null): string | undefined {
  return next === null ? undefined : (new URL(next).searchParams.get("cursor") ?? undefined);
}

/** Every sentence, following `next` to the last page (a bound stops a cursor that never ends). */
async function everySentence(limit: number): Promise<{ sentences: Sentence[]; pages: number }> {
  const sentences: Sentence[] = [];
  let pages = 0;
  let cursor: string | undefined;
  do {
    const { data, response } = await client.GET("/v1/sentences", {
      params: { query: { limit, cursor } },
    });
    if (data === undefined) throw new Error(`GET /v1/sentences answered ${response.status}`);
    sentences.push(...data.data);
    pages += 1;
    cursor = cursorOf(data.next);
  } while (cursor !== undefined && pages < 1000);
  check(cursor === undefined, `the last page's next is null (after ${pages} pages)`);
  return { sentences, pages };
}

async function listing(): Promise<void> {
  const { data, response } = await client.GET("/v1/sentences", {
    params: { query: { limit: 1 } },
  });
  if (data === undefined) throw new Error(`GET /v1/sentences answered ${response.status}`);
  check(data.data.length === 1, "GET /v1/sentences?limit=1 gives one record");
  if (data.data.length === 0 || data.data[0].sources.length === 0) {
    check(false, "the first record cites a source");
    return;
  }
  const url: string = data.data[0].sources[0].article.url;
  check(/^https?:\/\//.test(url), `data[0].sources[0].article.url is a URL: ${url}`);

  const { sentences, pages } = await everySentence(20);
  check(pages > 1, `following next walks several pages (${pages})`);
  check(sentences.length > 0, `following next collects records (${sentences.length})`);
  check(new Set(sentences.map((s) => s.id)).size === sentences.length, "no record comes twice");
  const urls: string[] = sentences.flatMap((s) => s.sources.map((source) => source.article.url));
  check(
    urls.every((u) => /^https?:\/\//.test(u)),
    `every source's article has a URL (${urls.length})`,
  );
}

async function missingSentence(): Promise<void> {
  const { data, error, response } = await client.GET("/v1/sentences/{sentence_id}", {
    params: { path: { sentence_id: "no-such-sentence" } },
  });
  check(data === undefined, "a missing sentence gives no data");
  check(response.status === 404, `a missing sentence answers 404 (${response.status})`);
  const mediaType = response.headers.get("content-type") ?? "";
  check(mediaType.startsWith("application/problem+json"), `as problem+json (${mediaType})`);
  if (error === undefined) {
    check(false, "a missing sentence gives an error");
    return;
  }
  const problem: Problem = error;
  const status: number = error.status;
  const detail: string = error.detail;
  check(status === 404, `error.status is 404 (${status})`);
  check(detail.includes("no-such-sentence"), `error.detail names the id: ${detail}`);
  check(problem.title.length > 0, `error.title is given: ${problem.title}`);
}

await listing();
await missingSentence();
if (failures.length > 0) {
  console.error(`${failures.length} expectation(s) failed`);
  process.exitCode = 1;
}

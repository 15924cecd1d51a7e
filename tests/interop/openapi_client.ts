// What a regional portal written in TypeScript does with the types openapi-typescript makes
// from the gateway's GET /openapi.json (generated beside this file as coopnet.ts, with
// --read-write-markers). `tsc --strict` compiles it only while the document says which
// fields are required and which the service sets: every @ts-expect-error below must meet
// an error, or tsc fails.
import type { operations, paths, Readable, Writable } from "./coopnet";

type CreateEventBody = Writable<
  NonNullable<paths["/v1/events"]["post"]["requestBody"]>["content"]["application/json"]
>;
type EventAnswer = Readable<
  paths["/v1/events/{event}"]["get"]["responses"][200]["content"]["application/json"]
>;
type UpdateEventQuery = operations["EventService_UpdateEvent"]["parameters"]["query"];

// The Hordaland municipalities' network meeting; no `network`: it is required only for
// NETWORK visibility.
export const meeting: CreateEventBody = {
  title: { translations: { nn: "Nettverksmøte", en: "Network meeting" }, defaultLanguage: "nn" },
  kind: "NETWORK_MEETING",
  organiser: "organisations/hordaland",
  startTime: "2026-03-12T09:00:00Z",
  endTime: "2026-03-12T15:00:00Z",
  timeZone: "Europe/Oslo",
  attendanceMode: "IN_PERSON",
  venue: { name: "Fylkeshuset", address: { regionCode: "NO" } },
};

// @ts-expect-error `title` is required.
export const untitled: CreateEventBody = { ...meeting, title: undefined };

// @ts-expect-error `name` is output only: the service makes it.
export const named: CreateEventBody = { ...meeting, name: "events/mine" };

// @ts-expect-error `kind` is one of the enum's names.
export const unknownKind: CreateEventBody = { ...meeting, kind: "PICNIC" };

export function describe(event: EventAnswer): string {
  // Output-only fields are there to read.
  const name: string | undefined = event.name;
  const state = event.state ?? "STATE_UNSPECIFIED";
  // @ts-expect-error an event's state is never OPEN (a call's is).
  if (state === "OPEN") return "";
  return `${name ?? "?"}: ${event.title.defaultLanguage ?? ""} (${state})`;
}

export const mask: UpdateEventQuery = { updateMask: "title,venue" };

// @ts-expect-error `update_mask` is required.
export const noMask: UpdateEventQuery = {};

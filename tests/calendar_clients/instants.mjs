// Prints the instants ical.js (Thunderbird's parser) reads in an iCalendar file, as JSON.
// Usage: node instants.mjs FROM_ISO TO_ISO < file.ics
// Every VTIMEZONE of the file is registered (a TZID without one is floating time in ical.js);
// each series is expanded with its RECURRENCE-ID overrides related; cancelled EXDATEs are left out.
// Output: [{"uid": ..., "start": "2027-03-31T16:00:00.000Z", "end": ...}, ...] sorted by uid and start.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [from, to] = process.argv.slice(2).map((s) => new Date(s));
const root = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
for (const tz of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(tz));
}
const masters = new Map();
const overrides = [];
for (const c of root.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(c);
  if (event.isRecurrenceException()) overrides.push(event);
  else masters.set(event.uid, event);
}
for (const o of overrides) {
  const master = masters.get(o.uid);
  if (master) master.relateException(o);
}
const out = [];
const utc = (t) => t.toJSDate().toISOString();
for (const event of masters.values()) {
  if (!event.isRecurring()) {
    out.push({ uid: event.uid, start: utc(event.startDate), end: utc(event.endDate) });
    continue;
  }
  const it = event.iterator();
  for (let next = it.next(), n = 0; next && n < 1000; next = it.next(), n++) {
    const when = next.toJSDate();
    if (when > to) break;
    const d = event.getOccurrenceDetails(next);
    if (d.endDate.toJSDate() < from) continue;
    out.push({ uid: event.uid, start: utc(d.startDate), end: utc(d.endDate) });
  }
}
out.sort((a, b) => (a.uid + a.start < b.uid + b.start ? -1 : 1));
process.stdout.write(JSON.stringify(out));

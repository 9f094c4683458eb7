/**
 * Small helpers shared by the pages: ids and time formatting.
 */

// A random UUID v4, used as client_msg_id (the server's idempotency key for one chat message).
function uuid4() {
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, function (ch) {
    const r = Math.floor(Math.random() * 16);
    return (ch === 'x' ? r : (r & 0x3) | 0x8).toString(16);
  });
}

function pad(n) {
  return n < 10 ? '0' + n : String(n);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

// "2025-03-05T06:30:00+00:00" -> "2025-03-05 14:30" in Beijing time, whatever the phone's time zone.
// Parsed by hand because iOS is strict about the formats new Date() accepts. A time without an
// offset is taken to be Beijing time already.
function formatTime(text) {
  const m = ISO.exec(String(text || '').trim());
  if (!m) return text || '';
  let utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  const zone = m[7];
  if (!zone) {
    utc -= 8 * 3600 * 1000;
  } else if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    utc -= sign * (+digits.slice(0, 2) * 60 + +digits.slice(2, 4)) * 60 * 1000;
  }
  const d = new Date(utc + 8 * 3600 * 1000); // read back with getUTC* = Beijing wall clock
  return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) +
    ' ' + pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
}

module.exports = { uuid4, formatTime };

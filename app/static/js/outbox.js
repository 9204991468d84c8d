// Stride's outbox: events made on this phone wait in IndexedDB (`stride` / `events`, keyed by
// their UUID) until the server has answered for them. The day page (today.js) and the
// messages page (messages.js) share it, so whatever page is open sends everything waiting.

export function outbox(patient) {
  return {
    db: null,
    memory: new Map(), // used when IndexedDB is unavailable (some private modes)
    async open() {
      if (this.db || !("indexedDB" in window)) return this.db;
      this.db = await new Promise((resolve) => {
        const request = indexedDB.open("stride", 1);
        request.onupgradeneeded = () => request.result.createObjectStore("events", { keyPath: "id" });
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => resolve(null);
      }).catch(() => null);
      return this.db;
    },
    async run(mode, work) {
      const db = await this.open();
      if (!db) return work(null);
      return new Promise((resolve, reject) => {
        const tx = db.transaction("events", mode);
        const result = work(tx.objectStore("events"));
        tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
        tx.onerror = () => reject(tx.error);
      });
    },
    async add(event) {
      return this.run("readwrite", (s) => (s ? s.put(event) : this.memory.set(event.id, event)));
    },
    async all() {
      const events = await this.run("readonly", (s) => (s ? s.getAll() : null));
      const list = events || [...this.memory.values()];
      return list.filter((e) => e.patient === patient).sort((a, b) => a.seq - b.seq);
    },
    async remove(ids) {
      if (!ids.length) return;
      return this.run("readwrite", (s) => ids.forEach((id) => (s ? s.delete(id) : this.memory.delete(id))));
    },
  };
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Server-Sent Events bodies as EventSource reads them, for tests of live pages.

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** The messages of an SSE body (comments and keep-alives left out). */
export function parseSse(text: string): SseMessage[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() && !block.startsWith(":"))
    .map((block) => {
      const m: SseMessage = { event: "message", data: "" };
      const data: string[] = [];
      for (const line of block.split("\n")) {
        const i = line.indexOf(":");
        const [key, value] = [line.slice(0, i), line.slice(i + 1).replace(/^ /, "")];
        if (key === "data") data.push(value);
        else if (key === "id") m.id = value;
        else if (key === "event") m.event = value;
      }
      return { ...m, data: data.join("\n") };
    });
}

import { describe, expect, it } from "vitest";
import { clientKeyOf } from "./client-key.js";
import { createLimitKeys } from "./limit-key.js";

describe("createLimitKeys", () => {
  it("answers the route id and client key of every client, whichever came before", () => {
    const keyOf = createLimitKeys("r", 64);
    const clients = ["198.51.100.7", "198.51.100.7", "2001:db8::1", "2001:db8::2", "2001:db8:0:1::1", "127.0.0.5", "::1", "198.51.100.8", "198.51.100.7"];
    expect(clients.map(keyOf)).toEqual(clients.map((c) => `r\n${clientKeyOf(c, 64)}`));
    expect(keyOf("2001:db8::1")).toBe(keyOf("2001:db8::ffff"));
    expect(keyOf("127.0.0.1")).toBe("r\nloopback");
  });
});

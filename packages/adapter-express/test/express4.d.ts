// The Express 4 dev dependency is installed under the alias `express4`; the tests only use
// the API both majors share, so Express 5's typings describe it well enough.
declare module "express4" {
  import express = require("express");
  export = express;
}

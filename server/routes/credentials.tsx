// The Credentials tab under /nodes/credentials.
import type { CloudAdapter } from "../../stacks/cloud.ts";
import { cloudLabel, clouds, findCloud } from "../../stacks/clouds.ts";
import { Hono, type Context } from "hono";
import {
  createCredential,
  deleteCredentialAction,
  getCredential,
  listCredentials,
  updateCredentialAction,
  validateCredential,
  type Credential,
} from "../actions/credentials.ts";
import { listUsers as listUserRows } from "../../state/users.ts";
import type { Deps, Env } from "../env.ts";
import { setFlash } from "../flash.ts";
import { actorOf, echo, formOf, handleForm, pageBase } from "../render.ts";
import {
  CredentialRow,
  CredentialsPage,
  DeleteCredentialPage,
  EditCredentialPage,
  NewCredentialPage,
  ProviderFields,
  type CloudChoice,
  type CredentialView,
} from "../../views/credentials.tsx";

/** A cloud as the credential forms show it: its label and fields, without their validators. */
const choiceOf = (c: CloudAdapter): CloudChoice => ({
  id: c.id,
  label: c.label,
  fields: c.credentialFields.map(({ key, label, secret, help, placeholder }) => ({ key, label, secret, help, placeholder })),
});
const cloudChoices = () => clouds.map(choiceOf);
const cloudChoice = (id: string | undefined) => {
  const cloud = findCloud(id);
  return cloud && choiceOf(cloud);
};

export function credentialView(deps: Deps, c: Credential, owners?: Map<string, string>): CredentialView {
  return {
    id: c.id,
    name: c.name,
    cloud: c.cloud,
    cloudLabel: cloudLabel(c.cloud),
    validity: c.validity,
    validityReason: c.validityReason,
    checkedAt: c.checkedAt,
    settings: c.settings,
    owner: owners?.get(c.userId),
  };
}

/** Owner emails, shown to admins and viewers who see everyone's objects. */
function ownersFor(deps: Deps, c: Context<Env>): Map<string, string> | undefined {
  const actor = actorOf(c);
  if (!actor.scope.all) return undefined;
  return new Map(listUserRows(deps.db).filter((u) => u.id !== actor.user.id).map((u) => [u.id, u.email]));
}

const secretKeys = () => clouds.flatMap((c) => c.credentialFields.filter((f) => f.secret).map((f) => f.key));

function outcomeFlash(c: Context, cred: Credential, verb: string): void {
  if (cred.validity === "valid") setFlash(c, "ok", `Credential “${cred.name}” ${verb}; the provider accepted it.`);
  else if (cred.validity === "invalid") setFlash(c, "error", `Credential “${cred.name}” ${verb}, but the provider refused it: ${cred.validityReason}`);
  else setFlash(c, "info", `Credential “${cred.name}” ${verb}, but it could not be checked: ${cred.validityReason}`);
}

export function credentialRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const canWrite = (c: Context<Env>) => actorOf(c).user.role !== "viewer";

  app.get("/", (c) => {
    const owners = ownersFor(deps, c);
    const credentials = listCredentials(deps, actorOf(c)).map((x) => credentialView(deps, x, owners));
    return c.html(<CredentialsPage {...pageBase(c)} canWrite={canWrite(c)} credentials={credentials} cloudLabels={clouds.map((x) => x.label)} />);
  });

  app.get("/new", (c) => {
    const provider = c.req.query("provider") ?? "";
    return c.html(<NewCredentialPage {...pageBase(c)} canWrite={canWrite(c)} clouds={cloudChoices()} values={{ provider, name: c.req.query("name") ?? "" }} errors={{}} />);
  });

  app.get("/fields", (c) => {
    const cloud = cloudChoice(c.req.query("provider"));
    return c.html(<ProviderFields cloud={cloud} />);
  });

  app.post("/", async (c) => {
    const form = await formOf(c);
    return handleForm(
      c,
      () => createCredential(deps, actorOf(c), form),
      (errors) => c.html(<NewCredentialPage {...pageBase(c)} canWrite clouds={cloudChoices()} values={echo(form, secretKeys())} errors={errors} />),
      (cred) => {
        outcomeFlash(c, cred, "saved");
        return c.redirect("/nodes/credentials", 303);
      },
    );
  });

  app.get("/:id/edit", (c) => {
    const cred = credentialView(deps, getCredential(deps, actorOf(c), c.req.param("id")));
    const cloud = cloudChoice(cred.cloud)!;
    return c.html(<EditCredentialPage {...pageBase(c)} canWrite={canWrite(c)} credential={cred} cloud={cloud} values={{}} errors={{}} />);
  });

  app.post("/:id", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    return handleForm(
      c,
      () => updateCredentialAction(deps, actorOf(c), id, form),
      (errors) => {
        const cred = credentialView(deps, getCredential(deps, actorOf(c), id));
        const cloud = cloudChoice(cred.cloud)!;
        return c.html(<EditCredentialPage {...pageBase(c)} canWrite credential={cred} cloud={cloud} values={echo(form, secretKeys())} errors={errors} />);
      },
      (cred) => {
        outcomeFlash(c, cred, "updated");
        return c.redirect("/nodes/credentials", 303);
      },
    );
  });

  app.post("/:id/validate", async (c) => {
    const cred = await validateCredential(deps, actorOf(c), c.req.param("id"));
    if (c.req.header("hx-request")) {
      return c.html(<CredentialRow c={credentialView(deps, cred, ownersFor(deps, c))} now={new Date()} canWrite csrf={c.get("csrf")} />);
    }
    outcomeFlash(c, cred, "re-validated");
    return c.redirect("/nodes/credentials", 303);
  });

  app.get("/:id/delete", (c) => {
    const cred = credentialView(deps, getCredential(deps, actorOf(c), c.req.param("id")));
    return c.html(<DeleteCredentialPage {...pageBase(c)} canWrite={canWrite(c)} credential={cred} />);
  });

  app.post("/:id/delete", (c) => {
    const cred = deleteCredentialAction(deps, actorOf(c), c.req.param("id"));
    setFlash(c, "ok", `Credential “${cred.name}” deleted.`);
    return c.redirect("/nodes/credentials", 303);
  });

  return app;
}

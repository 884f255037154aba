/** mailer: clients, mailing campaigns and their sending through an external provider (port 8088). */
import { runService } from "@flotilla/backbone";
import { loadMailerConfig } from "./config.ts";
import { systemClock } from "./domain/clock.ts";
import { mailerService } from "./service.ts";

await runService(mailerService(loadMailerConfig(), systemClock));

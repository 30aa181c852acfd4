// Progressive enhancement of the residents' form: a live character count and focus on the
// error summary. The form works fully without this file.
import { CharacterCount, ErrorSummary, createAll } from "./govuk/govuk-frontend.min.js";

createAll(CharacterCount);
createAll(ErrorSummary);

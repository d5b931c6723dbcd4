-- Custom migration (drizzle-kit generate --custom): drizzle-kit does not model virtual tables or triggers.
-- A trigram full-text index over the audit's user principal name and company name, so the audit page's user and
-- company searches are substring matches (case-insensitive) read from an index instead of a LIKE '%…%' scan of every
-- row. External content: the index keeps no copy of the text, it points at issuances by rowid (VACUUM keeps those
-- rowids: test/db/audit-search.test.ts). Triggers keep it in step with every insert, update of the two columns, and
-- delete (audit pruning).
CREATE VIRTUAL TABLE `issuance_search` USING fts5(user_principal_name, company_name, content='issuances', content_rowid='rowid', tokenize='trigram');
--> statement-breakpoint
CREATE TRIGGER `issuance_search_insert` AFTER INSERT ON `issuances` BEGIN
  INSERT INTO `issuance_search`(rowid, user_principal_name, company_name) VALUES (new.rowid, new.user_principal_name, new.company_name);
END;
--> statement-breakpoint
CREATE TRIGGER `issuance_search_delete` AFTER DELETE ON `issuances` BEGIN
  INSERT INTO `issuance_search`(`issuance_search`, rowid, user_principal_name, company_name) VALUES ('delete', old.rowid, old.user_principal_name, old.company_name);
END;
--> statement-breakpoint
CREATE TRIGGER `issuance_search_update` AFTER UPDATE OF user_principal_name, company_name ON `issuances` BEGIN
  INSERT INTO `issuance_search`(`issuance_search`, rowid, user_principal_name, company_name) VALUES ('delete', old.rowid, old.user_principal_name, old.company_name);
  INSERT INTO `issuance_search`(rowid, user_principal_name, company_name) VALUES (new.rowid, new.user_principal_name, new.company_name);
END;
--> statement-breakpoint
-- Rows written before this migration.
INSERT INTO `issuance_search`(`issuance_search`) VALUES ('rebuild');

-- One database per service (docker-entrypoint-initdb.d runs this on first start).
create database accounts;
create database transactions;
create database auditlog;
create database users;
create database listings;
create database listing_view;
create database orders;
create database mailer;

-- marts.participation
-- Grain: one row per year, activity, audience and sex (female, male, unspecified) with
-- the participants reported in received submissions. "male" is participants minus women
-- where both are given; "unspecified" is participants where the number of women is blank.
-- Columns:
-- - year: Report year
-- - activity_code: Code of the plan's activity (ref.activities)
-- - audience: «Đối tượng» in the workbook (tab «Hoạt động»)
-- - sex: female, male (participants minus women) or unspecified (participants where the number
--   of women is blank)
-- - participants: Participants reported in received submissions
create or replace table marts.participation as
with activities as (
    select * from intermediate.int_counted_activities where participants is not null
),

by_sex as (
    select year, activity_code, audience, 'female' as sex, participants_female as participants
    from activities where participants_female is not null
    union all
    select year, activity_code, audience, 'male', participants - participants_female
    from activities where participants_female is not null
    union all
    select year, activity_code, audience, 'unspecified', participants
    from activities where participants_female is null
),

final as (
    select year, activity_code, audience, sex, sum(participants)::bigint as participants
    from by_sex
    group by all
)

select * from final order by year, activity_code, audience, sex

"""A synthetic district for 政策找人 (issue 16): residents, behaviour events, policies and the hidden truth.

    python bench/policy_district.py --district tuning --residents 3000 --out var/policy/tuning
    python bench/policy_district.py --district test --residents 20000 --events 200000 --out var/policy/test

Writes residents.jsonl, events.jsonl, policies.jsonl (the harness's input
formats) and truth.json ({policy_id: [resident_id, ...]}: the residents a
policy is truly for).

A resident is truly for a policy when they meet its conditions AND have the
hidden need it answers. A need shows only in behaviour: posts, replies,
letters and cases that say it (in the policy's own words for some
residents, in colloquial words for most), reads and likes of related
articles. Everyone also writes noise, and confounders: texts that share
words with a need but are not it (电梯又坏了 is not 加装电梯; 我们公司招人 is
not 就业援助). Residents with a need who fail a condition are not in the
truth.

The two districts have different seeds, different policy texts and
different colloquial phrasings: the tuning district's phrasebook is the one
the lexicon was looked at against; the test district's phrases were written
separately afterwards and never used to change the lexicon or a weight.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TZ = dt.timezone(dt.timedelta(hours=8))
SUBDISTRICTS = ["友谊路街道", "吴淞街道", "张庙街道", "罗店镇", "大场镇", "杨行镇", "月浦镇", "罗泾镇", "顾村镇", "高境镇",
                "庙行镇", "淞南镇", "宝山城市工业园区"]
TAGS = ["独居", "空巢", "孤寡", "残疾", "失能", "低保", "低收入", "失业", "退役军人", "婴幼儿家庭", "孕产妇", "慢性病"]


@dataclass
class Need:
    key: str
    eligible: Any                   # (resident dict, age) -> bool: the policy's true conditions
    share: float                    # share of eligible residents who have the need
    formal: list[str]               # phrases in the policy's words
    colloquial: list[str]           # phrases in residents' words
    articles: list[str]             # titles of related articles (read / liked)
    confounders: list[str]          # texts sharing words with the need that are not it


def _age(r: dict[str, Any], today: dt.date) -> int:
    b = dt.date.fromisoformat(r["birth_date"])
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


def has(tag: str) -> Any:
    return lambda r, a: tag in r["tags"]


# ---------------------------------------------------------------- policies and needs, per district

TUNING_POLICIES = [
    ("meal", "老年助餐服务补贴", "为解决老年人吃饭难问题，本区户籍、年满60周岁的独居、空巢或孤寡老人，可在社区助餐点享受用餐补贴，行动不便的提供送餐上门服务。"),
    ("elevator", "既有多层住宅加装电梯", "支持老旧多层住宅加装电梯，解决居民上下楼难。本区户籍业主可申请加梯补贴，街镇提供加梯意见征询和代建服务。"),
    ("relief", "临时救助", "对因突发事件、意外事故、重大疾病等原因导致基本生活暂时出现严重困难的本区户籍家庭，给予临时救助。"),
    ("job", "就业困难人员就业援助", "对法定劳动年龄内、登记失业的本区户籍人员提供职业指导、技能培训、岗位推荐和公益性岗位托底安置。"),
    ("childcare", "普惠托育服务", "为3周岁以下婴幼儿家庭提供社区托育、临时托管和科学育儿指导服务，本市户籍家庭托育费用给予补贴。"),
    ("retrofit", "居家适老化改造", "对本区户籍、年满60周岁的老年人家庭实施居家适老化改造，包括地面防滑、安装扶手、紧急呼叫设备等。"),
    ("aids", "残疾人辅助器具租赁补贴", "持证残疾人可申请轮椅、助行器、助听器等康复辅助器具的租赁和适配补贴，并提供上门康复服务。"),
    ("ltc", "长期护理保险服务", "年满60周岁、经评估失能的本市户籍老人，可享受长期护理保险提供的居家上门护理和机构照护服务。"),
    ("visit", "独居老人关爱探访", "为年满65周岁的独居老人提供定期上门探访、电话问候、精神慰藉和紧急呼叫服务。"),
    ("medical", "困难家庭医疗救助", "低保、低收入家庭成员因病产生的自负医疗费用，可申请医疗救助，减轻看病负担。非低保、非低收入家庭不在本政策范围。"),
    ("veteran", "退役军人就业创业扶持", "为退役军人提供就业推荐、职业技能培训和创业担保贷款贴息，帮助退役士兵稳定就业。"),
    ("chronic", "慢性病长处方服务", "签约家庭医生、患有高血压、糖尿病等慢性病的60周岁以上居民，可享受长处方和送药上门服务，减少往返配药。"),
]

TEST_POLICIES = [
    ("meal", "长者社区食堂就餐优惠", "本区户籍年满六十周岁，独居、纯老或孤寡的长者，到社区长者食堂就餐可享受每餐优惠，身体不便者可预约配送到家。"),
    ("elevator", "老房加梯便民办理", "多层老公房增设电梯，一站式办理，对本区户籍业主给予资金补贴，缓解高楼层居民出行难。"),
    ("relief", "急难型临时救助", "家庭因意外、突发变故、大病等遭遇生活困境的，本区户籍居民可申请急难型临时救助，先行救助、事后补办手续。"),
    ("job", "失业人员再就业帮扶", "登记失业、处于劳动年龄段的本区户籍居民，可获得一对一就业指导、免费技能培训、专场招聘和托底岗位。"),
    ("childcare", "宝宝屋托育服务", "家中有3周岁以下幼儿的家庭，可到社区宝宝屋享受每月免费托育时长，并获得育儿讲座和入户指导。"),
    ("retrofit", "老年人家庭适老化改造补贴", "对本区户籍60周岁以上老年人居住的住房进行适老化改造，安装卫生间扶手、铺设防滑地面、配置一键呼叫装置。"),
    ("aids", "残疾人康复辅具适配", "本区持证残疾人可免费评估适配轮椅、助听器、假肢等康复辅具，并享受社区康复训练。"),
    ("ltc", "长护险居家照护", "年满60周岁、照护等级评估为二至六级的失能老人，可由护理员上门提供洗浴、翻身、喂饭等照护服务。"),
    ("visit", "独居长者守护计划", "对65周岁以上独居长者开展每周上门看望、每日电话问候、安装烟感和智能水表等安全守护服务。"),
    ("medical", "医疗费用减免救助", "低保对象、低收入困难家庭成员住院和门诊自付费用超过一定金额的，给予医疗救助。"),
    ("veteran", "退役军人关爱帮扶", "对退役军人开展就业创业帮扶、技能培训和困难帮扶，帮助退伍老兵解决实际困难。"),
    ("chronic", "慢病患者家门口配药", "患高血压、糖尿病等慢性病的60周岁以上签约居民，可在社区卫生服务中心开具长处方，药品可送到家。"),
]


def needs(district: str) -> dict[str, Need]:
    old60 = lambda r, a: a >= 60 and r["hukou"] == "本区"  # noqa: E731
    if district == "tuning":
        return {
            "meal": Need("meal", lambda r, a: old60(r, a) and bool({"独居", "空巢", "孤寡"} & set(r["tags"])), 0.5,
                         ["想申请老年助餐", "社区助餐点能不能开到我们这", "送餐上门服务怎么申请"],
                         ["年纪大了做不动饭", "一日三餐没着落", "天天吃泡饭凑合", "烧不动饭了，吃饭成问题", "自己烧饭太吃力"],
                         ["社区助餐点开张啦", "老年助餐服务指南"],
                         ["楼下新开的饭店味道不错", "周末去吃了自助餐，太撑了"]),
            "elevator": Need("elevator", lambda r, a: r["hukou"] == "本区", 0.12,
                             ["我们楼想加装电梯", "加装电梯补贴怎么申请", "加梯签字什么时候开始"],
                             ["住六楼爬不动楼了", "腿脚不好天天爬楼梯", "老楼没电梯下楼一趟不容易", "上下楼太难了"],
                             ["既有住宅加装电梯问答", "加梯成功案例"],
                             ["电梯又坏了，物业快来修", "电梯老是坏，关人了", "电梯广告太吵"]),
            "relief": Need("relief", lambda r, a: r["hukou"] == "本区", 0.06,
                           ["想申请临时救助", "临时困难救助需要什么材料"],
                           ["家里揭不开锅了", "突然没了收入日子过不下去", "急需用钱借不到", "家里遭了难"],
                           ["临时救助申请指南"],
                           ["捐款帮助山区孩子", "给困难邻居送了点米"]),
            "job": Need("job", lambda r, a: 16 <= a <= 59 and r["hukou"] == "本区" and "失业" in r["tags"], 0.7,
                        ["想参加职业技能培训", "失业登记以后有没有岗位推荐"],
                        ["被裁员了找不到工作", "公司倒闭了在家闲着", "想学门手艺找个活干", "到处投简历没人要"],
                        ["就业援助专场招聘会"],
                        ["我们公司在招人，欢迎投简历", "单位加班太多了"]),
            "childcare": Need("childcare", lambda r, a: "婴幼儿家庭" in r["tags"] and r["hukou"] in ("本区", "外区"), 0.6,
                              ["社区托育点在哪里", "想给孩子报托班"],
                              ["孩子太小没人带", "上班了娃没人管", "老人带不动孩子", "宝宝没人看"],
                              ["宝宝屋开放预约"],
                              ["孩子上初中了作业太多", "小区里小孩玩滑板太吵"]),
            "retrofit": Need("retrofit", old60, 0.15,
                             ["想申请居家适老化改造", "家里想装个扶手"],
                             ["卫生间地太滑怕摔", "洗澡摔了一跤", "上厕所起不来", "门口台阶太高"],
                             ["适老化改造样板间参观"],
                             ["小区门口的台阶修好了", "装修房子找谁好"]),
            "aids": Need("aids", has("残疾"), 0.55,
                         ["辅具租赁在哪办", "想申请康复辅助器具"],
                         ["轮椅坏了想换个", "耳朵听不见要助听器", "腿不能动出门难"],
                         ["残疾人辅具适配服务"],
                         ["无障碍车位被占了", "超市门口的轮椅坡道不错"]),
            "ltc": Need("ltc", lambda r, a: a >= 60 and r["hukou"] in ("本区", "外区") and "失能" in r["tags"], 0.7,
                        ["长期护理保险怎么申请", "想申请长护险"],
                        ["老人瘫在床上离不开人", "生活不能自理要人护理", "请护工太贵了"],
                        ["长护险评估流程"],
                        ["护理专业的学生来社区实习", "医院护士态度很好"]),
            "visit": Need("visit", lambda r, a: a >= 65 and "独居" in r["tags"], 0.5,
                          ["希望有人上门探访"],
                          ["一个人住没人说话", "孩子都在外地没人陪", "一个人住怕出事没人知道", "好几天没人说话"],
                          ["老伙伴计划志愿者招募"],
                          ["今天去看望了楼上的独居老人", "我们志愿者上门陪老人聊天"]),
            "medical": Need("medical", lambda r, a: bool({"低保", "低收入"} & set(r["tags"])), 0.5,
                            ["医疗救助怎么申请", "看病能不能减免"],
                            ["住院费交不起", "看病花光了积蓄", "药费太贵了吃不消"],
                            ["医疗救助政策解读"],
                            ["医院停车太难了", "社区医院新来了医生"]),
            "veteran": Need("veteran", has("退役军人"), 0.5,
                            ["退役军人有没有就业推荐", "想申请创业担保贷款"],
                            ["退伍后一直没找到工作", "从部队回来想自己开个店"],
                            ["退役军人服务站揭牌"],
                            ["建军节看阅兵很激动", "儿子想去当兵"]),
            "chronic": Need("chronic", lambda r, a: a >= 60 and "慢性病" in r["tags"], 0.6,
                            ["长处方能开多久", "家庭医生能不能送药上门"],
                            ["每个月都要去医院配降压药", "配药跑医院太麻烦", "血糖高天天吃药"],
                            ["家庭医生签约服务"],
                            ["药店打折买了保健品", "体检报告出来了一切正常"]),
        }
    # The test district: phrasings written separately, never used to tune anything.
    return {
        "meal": Need("meal", lambda r, a: old60(r, a) and bool({"独居", "空巢", "孤寡"} & set(r["tags"])), 0.5,
                     ["长者食堂就餐优惠怎么享受", "社区食堂能送饭到家吗"],
                     ["老太婆一个人烧饭烧不动了", "中午随便啃两口面包对付", "灶头都好久没开火了", "手抖拿不动锅铲",
                      "饭菜天天剩的热了又热"],
                     ["长者食堂菜单公布", "银发餐桌上线"],
                     ["网红餐厅排队两小时", "外卖送错了地址"]),
        "elevator": Need("elevator", lambda r, a: r["hukou"] == "本区", 0.12,
                         ["楼里想搞加梯", "增设电梯资金补贴有多少"],
                         ["住顶楼膝盖受不了", "每天上五楼歇三回", "买菜回来拎到七楼累死", "腿关节痛楼梯爬不上去"],
                         ["老公房加梯一站式办理"],
                         ["电梯按钮失灵了", "电梯里有人抽烟"]),
        "relief": Need("relief", lambda r, a: r["hukou"] == "本区", 0.06,
                       ["急难救助哪里申请", "临时遇到困难能不能救助"],
                       ["老公出车祸家里一下子垮了", "房子着火什么都没了", "这个月房租都凑不齐", "孩子生病把钱都花光了日子没法过"],
                       ["急难型临时救助问答"],
                       ["单位组织爱心义卖", "红十字会募捐活动"]),
        "job": Need("job", lambda r, a: 16 <= a <= 59 and r["hukou"] == "本区" and "失业" in r["tags"], 0.7,
                    ["再就业培训怎么报名", "有没有托底岗位"],
                    ["厂里效益不好把我们都辞了", "四十多岁了没单位要", "在家待业半年了", "想找份保安保洁的活"],
                    ["专场招聘会岗位清单"],
                    ["我们店招服务员包吃住", "跳槽涨了工资"]),
        "childcare": Need("childcare", lambda r, a: "婴幼儿家庭" in r["tags"], 0.6,
                          ["宝宝屋怎么预约", "托育服务收费多少"],
                          ["产假结束孩子交给谁", "双职工孩子一岁多没人照看", "婆婆回老家了娃没人带"],
                          ["宝宝屋育儿讲座"],
                          ["孩子高考志愿怎么填", "小学生课后作业太多"]),
        "retrofit": Need("retrofit", old60, 0.15,
                         ["适老化改造补贴申请", "想装卫生间扶手"],
                         ["浴室地砖一沾水就打滑", "老伴半夜起来摔倒了", "马桶太矮坐下去站不起来", "家里门槛绊了好几次"],
                         ["适老化改造产品展"],
                         ["楼道扶手油漆掉了", "新房装修用什么地砖"]),
        "aids": Need("aids", has("残疾"), 0.55,
                     ["康复辅具适配怎么评估", "免费轮椅怎么领"],
                     ["假肢用久了磨腿", "助听器没电了也没钱换", "拐杖断了走不了路"],
                     ["辅具适配服务进社区"],
                     ["盲道上停满了自行车", "残奥会比赛很精彩"]),
        "ltc": Need("ltc", lambda r, a: a >= 60 and r["hukou"] in ("本区", "外区") and "失能" in r["tags"], 0.7,
                    ["长护险上门照护怎么申请", "照护等级评估去哪里做"],
                    ["老父亲卧床三年了翻身都要人", "喂饭擦身全靠我一个人", "家里老人吃喝拉撒都在床上"],
                    ["长护险照护服务清单"],
                    ["宠物医院收费太贵", "护工培训班结业了"]),
        "visit": Need("visit", lambda r, a: a >= 65 and "独居" in r["tags"], 0.5,
                      ["想参加守护计划"],
                      ["屋里静得只听见钟响", "儿子在美国一年回来一次", "老头子走后就剩我了", "晚上心慌怕没人发现"],
                      ["独居长者守护计划启动"],
                      ["社区开展敬老志愿活动", "给楼下阿婆送了月饼"]),
        "medical": Need("medical", lambda r, a: bool({"低保", "低收入"} & set(r["tags"])), 0.5,
                        ["医疗费减免怎么办", "住院自付部分能不能救助"],
                        ["化疗一次好几千实在负担不起", "透析的钱快凑不出来了", "看一次病半个月工资没了"],
                        ["医疗救助政策问答"],
                        ["挂号要排好久", "医院食堂饭菜一般"]),
        "veteran": Need("veteran", has("退役军人"), 0.5,
                        ["老兵帮扶怎么申请", "退役军人技能培训在哪报名"],
                        ["退伍回来学历低找不到合适的活", "在部队干了十二年出来啥也不会"],
                        ["退役军人关爱帮扶活动"],
                        ["军训的学生晒黑了", "看了部战争片"]),
        "chronic": Need("chronic", lambda r, a: a >= 60 and "慢性病" in r["tags"], 0.6,
                        ["长处方怎么开", "药能送到家吗"],
                        ["胰岛素每半个月就要跑一趟医院", "降糖药配一次只给两周", "血压药天天吃，配药排队累"],
                        ["家门口配药服务开通"],
                        ["跑步锻炼身体好", "中药养生讲座"]),
    }


# The fresh districts (issue 16, third session): policy texts and phrasebook written after the lexicon and
# after the tuning and test districts, never used to change the lexicon. `{a|b|c}` is expanded at random
# (policy texts once per district, phrases once per event), so every seed has its own policy wording and
# residents' sentences are rarely repeated word for word.
FRESH_POLICIES = [
    ("meal", "{老年人助餐补贴|长者助餐服务}",
     "{本区户籍|具有本区户籍}、{年满60周岁|60周岁及以上}的{独居、空巢或孤寡老人|独居、纯老家庭及孤老}，在社区{老年助餐点|长者食堂}"
     "用餐{每餐补贴3元|可享受用餐补贴}，{行动不便的可送餐上门|失能或行动不便者提供送餐服务}。"),
    ("elevator", "{多层住宅加装电梯补贴|老旧小区加梯}",
     "本区户籍{业主|居民}所在的{多层住宅|无电梯老楼}{经业主协商一致|经三分之二以上业主同意}，可申请加装电梯{财政补贴|补贴资金}，"
     "{街道提供全程代办|方便老年人上下楼}。"),
    ("relief", "{临时救助|急难救助}",
     "本区户籍{居民|家庭}因{火灾、交通事故、突发重病|意外伤害、重大变故}等{导致基本生活陷入困境|造成生活暂时困难}的，可申请临时救助。"),
    ("job", "{失业人员就业帮扶|就业援助}",
     "{法定劳动年龄内|16周岁以上、不满60周岁}、{办理失业登记|登记失业}的本区户籍人员，可享受{免费职业培训|职业技能培训}、"
     "{岗位推荐|职业介绍}和公益性岗位安置。"),
    ("childcare", "{社区托育服务|托育补贴}",
     "{3周岁以下|三周岁以下}婴幼儿家庭{可享受社区托育和临时托管|可申请托育费用补贴}{，限本市户籍家庭|}。"),
    ("retrofit", "{适老化改造|居家环境适老化改造}",
     "{本区户籍|户籍在本区}{60周岁以上|年满六十周岁}老年人{家庭|居住的房屋}，可申请{地面防滑、扶手安装、如厕助起等改造|防滑处理、加装扶手、坐便改造}补贴。"),
    ("aids", "{残疾人辅具适配|残疾人辅助器具补贴}",
     "持有残疾人证的{居民|人员}可{申请|享受}{轮椅、助听器、拐杖|助行器、坐便椅、助听器}等辅助器具的{免费适配|租赁补贴}。"),
    ("ltc", "{长期护理保险居家护理|长护险服务}",
     "{年满60周岁|60周岁及以上}、经{老年照护统一需求评估|照护等级评估}的失能老人，{本市户籍，|限本市户籍，|}"
     "{可享受上门护理|由护理员上门提供生活照料和护理}。"),
    ("visit", "{独居老人关爱|独居长者探访}",
     "为{65周岁以上|年满65周岁}独居老人提供{定期上门探访|每周上门看望}、{电话问候|每日电话}和{紧急呼叫|应急援助}服务。"),
    ("medical", "{医疗救助|因病困难家庭医疗救助}",
     "{低保、低收入家庭成员|低保对象和低收入困难人员}{看病自付费用较高的|因病自负医疗费用过高的}，可申请医疗救助。"),
    ("veteran", "{退役军人就业帮扶|退役军人服务保障}",
     "{退役军人|退伍军人}可享受{就业推荐、技能培训|职业介绍、免费技能培训}和{创业贷款贴息|创业扶持}。"),
    ("chronic", "{慢病长处方|慢性病配药便民服务}",
     "{60周岁以上|年满60周岁}、患有{高血压、糖尿病等慢性病|慢性病}并签约家庭医生的居民，可{开具长处方|一次配足1至2个月的药}，"
     "{并享受送药上门|减少往返医院}。"),
]


def fresh_needs() -> dict[str, Need]:
    old60 = lambda r, a: a >= 60 and r["hukou"] == "本区"  # noqa: E731
    city = ("本区", "外区")
    return {
        "meal": Need("meal", lambda r, a: old60(r, a) and bool({"独居", "空巢", "孤寡"} & set(r["tags"])), 0.5,
                     ["{老年|长者}助餐{怎么登记|在哪里报名}", "{送餐上门|上门送饭}{有没有|能不能申请}"],
                     ["{年纪大了|人老了}{懒得|没力气}{做饭|烧菜}", "{天天|每顿}{泡面|馒头咸菜}{凑合|对付}",
                      "{老伴走了|一个人}{吃饭|三顿饭}{没着落|是个难题}", "{锅都端不动|切菜手发抖}了"],
                     ["{老年助餐|长者食堂}{新菜单|开业}"],
                     ["{新开的|楼下}{火锅店|面馆}{排长队|味道一般}", "{外卖|快递}{送晚了|洒了}"]),
        "elevator": Need("elevator", lambda r, a: r["hukou"] == "本区", 0.12,
                         ["{我们楼|这栋楼}{加装电梯|加梯}{怎么报名|要几户同意}", "加梯{补贴|费用}{多少|怎么算}"],
                         ["{住|家在}{六楼|五楼|顶楼}{上下楼|爬楼}{要人命|太吃力}", "{腿脚|膝盖}不好{出不了门|下不了楼}",
                          "{楼梯|台阶}{爬一层歇一层|爬不动了}", "{老房子|老公房}没{电梯|升降梯}{出门难|老人下不来}"],
                         ["{加装电梯|加梯}{政策问答|进度公示}"],
                         ["{电梯|商场电梯}{停运|维保}了", "{小区|写字楼}电梯{广告|监控}{太多|坏了}"]),
        "relief": Need("relief", lambda r, a: r["hukou"] == "本区", 0.06,
                       ["{临时救助|急难救助}{去哪申请|要什么材料}"],
                       ["{家里|屋里}{遭了火灾|被水淹了}", "{老公|男人}{查出重病|出了事故}{家里没钱了|日子难过}",
                        "{下个月|这个月}{生活费|饭钱}都没了", "{借遍了亲戚|到处借钱}{还是不够|也凑不齐}"],
                       ["{临时救助|急难救助}{办理流程|政策解读}"],
                       ["{公司|学校}组织{献爱心|捐款}", "{帮|给}{贫困山区|灾区}{寄衣服|捐了钱}"]),
        "job": Need("job", lambda r, a: 16 <= a <= 59 and r["hukou"] == "本区" and "失业" in r["tags"], 0.7,
                    ["{职业培训|技能培训}{怎么报名|免费吗}", "{失业登记|登记失业}{以后|之后}{有岗位推荐吗|怎么找工作}"],
                    ["{厂子|公司}{关门|裁人}了{没活干|丢了饭碗}", "{找了|投了}{半年|好几个月}工作{没着落|都没回音}",
                     "{年纪大了|学历不高}{找工作难|没人要}", "{想|希望}学{个技术|门手艺}{养家|挣钱}"],
                    ["{就业援助|招聘}{月|专场}岗位发布"],
                    ["{我们|隔壁}{店|单位}{招人|缺人手}", "{加班|出差}太多{累死了|吃不消}"]),
        "childcare": Need("childcare", lambda r, a: "婴幼儿家庭" in r["tags"] and r["hukou"] in city, 0.6,
                          ["{社区托育|托班}{怎么报名|收几岁的}", "{托育补贴|托育费}{怎么申请|多少钱}"],
                          ["{娃|孩子}{才|刚}{一岁|两岁}{没人带|没人管}", "{老人|爷爷奶奶}{带不动|不在身边}{宝宝|小孩}",
                           "{上班|复工}了{宝宝|孩子}{放哪|托给谁}"],
                          ["{社区托育|宝宝屋}{开放|招生}"],
                          ["{孩子|儿子}{中考|期末考}{压力大|成绩出来了}", "{小区|楼下}{小孩|熊孩子}{太吵|乱跑}"]),
        "retrofit": Need("retrofit", old60, 0.15,
                         ["{适老化改造|家里改造}{怎么申请|有补贴吗}", "{想装|能不能装}{扶手|防滑地垫}"],
                         ["{厕所|浴室}{太滑|地湿}{差点摔|摔过一次}", "{蹲坑|马桶}{蹲不下|起不来}",
                          "{门槛|台阶}{太高|绊脚}{老人|老伴}{跌了|摔了}", "{夜里|半夜}起床{看不清|没扶的地方}"],
                         ["适老化改造{案例|展示}"],
                         ["{小区|楼道}{扶手|栏杆}{生锈|坏了}", "{装修|翻新}{厨房|卫生间}找{师傅|施工队}"]),
        "aids": Need("aids", has("残疾"), 0.55,
                     ["{辅具|辅助器具}{适配|租赁}{在哪里|怎么申请}"],
                     ["{轮椅|助行器}{坏了|轮子掉了}{没法出门|推不动}", "{耳背|听力不行}{听不清|要配助听器}",
                      "{腿|脚}{残了|截肢了}{走路难|出门靠人背}"],
                     ["{辅具|康复器具}{进社区|展示}"],
                     ["{无障碍通道|盲道}{被占|堵了}", "{残奥|轮椅篮球}{比赛|节目}{好看|感人}"]),
        "ltc": Need("ltc", lambda r, a: a >= 60 and r["hukou"] in city and "失能" in r["tags"], 0.7,
                    ["{长护险|长期护理保险}{怎么评估|怎么申请}", "{上门护理|护理员上门}{有没有|一周几次}"],
                    ["{老妈|老爸|老人}{瘫痪|卧床}{好几年|在床}{要人伺候|离不开人}", "{擦身|喂饭|翻身}都{靠我|要人帮}",
                     "{护工|保姆}{一个月|每月}{七八千|好几千}{吃不消|付不起}"],
                    ["{长护险|长期护理}{服务指南|评估须知}"],
                    ["{护理|护士}{专业|学校}{招生|实习}", "{宠物|猫狗}{护理|美容}{太贵|店}"]),
        "visit": Need("visit", lambda r, a: a >= 65 and "独居" in r["tags"], 0.5,
                      ["{希望|能不能}{有人|社区}{上门看看|定期探访}"],
                      ["{一个人|独自}{在家|过日子}{闷得慌|没人说话}", "{子女|儿女}{在外地|出国了}{一年见不到|很少回来}",
                       "{身体不舒服|夜里犯病}{怕没人知道|没人管}"],
                      ["{关爱探访|老伙伴}{志愿者|活动}"],
                      ["{志愿者|我们}{去看望|慰问}{孤老|老人}", "{重阳节|敬老节}{活动|慰问品}"]),
        "medical": Need("medical", lambda r, a: bool({"低保", "低收入"} & set(r["tags"])), 0.5,
                        ["{医疗救助|看病救助}{怎么申请|能报多少}"],
                        ["{住院|手术}{费用|押金}{交不上|太高}", "{一场病|这场病}{把家底|积蓄}{掏空|花光}了",
                         "{药|自费药}{太贵|买不起}{只能|硬}扛着"],
                        ["{医疗救助|因病救助}{政策|问答}"],
                        ["{医院|门诊}{排队|挂号}{太久|难}", "{医保卡|社保卡}{换新|激活}"]),
        "veteran": Need("veteran", has("退役军人"), 0.5,
                        ["{退役军人|退伍军人}{就业推荐|创业贷款}{怎么申请|找谁}"],
                        ["{从部队|退伍}{回来|转业}{找不到|没}{工作|出路}", "{当了|在部队}{八年|十年}兵{出来|回地方}{不知道干啥|没技能}"],
                        ["{退役军人|老兵}{服务站|之家}{活动|开放}"],
                        ["{八一|建军节}{晚会|阅兵}", "{孙子|儿子}{想参军|体检当兵}"]),
        "chronic": Need("chronic", lambda r, a: a >= 60 and "慢性病" in r["tags"], 0.6,
                        ["{长处方|慢病配药}{怎么开|能开几个月}", "{家庭医生|签约医生}{送药|上门}{吗|怎么约}"],
                        ["{每个月|半个月}{跑医院|排队}配{降压药|降糖药}", "{血压|血糖}{高|不稳}{天天|每天}吃药",
                         "{配药|开药}{排队|来回跑}{太累|吃不消}"],
                        ["{慢病|家庭医生}{签约|配药}{服务|指南}"],
                        ["{保健品|营养品}{推销|打折}", "{体检|健康讲座}{报名|通知}"]),
    }


NOISE = {
    "tuning": ["小区垃圾分类做得不错", "停车位太少了", "楼上装修太吵", "今天社区活动很热闹", "广场舞音乐太响",
               "快递柜满了", "小区绿化修剪了", "物业费又涨了", "周末有没有亲子活动", "下水道堵了找谁",
               "菜场搬到哪里去了", "共享单车乱停", "楼道灯坏了", "社区合唱团招人", "新开了一家超市"],
    "test": ["门口马路又开挖了", "小区猫太多晚上叫", "今年桂花开得真香", "健身步道修好了", "居委组织看电影",
             "快递总是放门口", "隔壁养狗不牵绳", "小区门禁卡失灵", "河道清理干净了", "社区书屋新到了书",
             "夏天蚊子多", "公交站台移了位置", "物业保安换人了", "业委会换届选举", "围墙上的涂鸦"],
    "fresh": ["{小区|楼下}{垃圾桶|晾衣架}{满了|挪位置了}", "{周末|晚上}{跳舞|唱歌}{太吵|很热闹}", "{物业|保安}{换了|态度不好}",
              "{菜价|猪肉}{又涨了|便宜了}", "{楼道|车库}{堆杂物|灯不亮}", "{社区|居委}{电影|读书会}{几点开始|报名}",
              "{绿化|草坪}{修剪|浇水}了", "{快递|外卖}{放错了|被拿走了}", "{停车|充电桩}{不够|收费太贵}"],
}
TEMPLATES = {
    "tuning": ["{p}", "{p}，怎么办", "请问{p}", "{p}，居委能帮忙吗", "唉，{p}", "{p}！！"],
    "test": ["{p}…", "各位邻居，{p}", "{p}，有谁知道找哪个部门", "说句心里话，{p}", "{p}，愁死了", "求助：{p}"],
    "fresh": ["{p}", "{p}。{谁能帮帮忙|谢谢大家}", "{想问一下|打听一下}，{p}", "{p}，{怎么弄|咋办}啊", "{哎|唉}，{p}",
              "{社区|居委}的同志，{p}"],
}


def residents(rng: random.Random, n: int, today: dt.date) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        age = int(min(99, max(0, rng.gauss(48, 21))))
        birth = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        hukou = rng.choices(["本区", "外区", "外省市"], [0.68, 0.14, 0.18])[0]
        tags: set[str] = set()
        if age >= 60:
            for t, p in (("独居", 0.18), ("空巢", 0.2), ("孤寡", 0.04), ("失能", 0.07), ("慢性病", 0.35)):
                if rng.random() < p:
                    tags.add(t)
        if 16 <= age <= 59 and rng.random() < 0.06:
            tags.add("失业")
        if 20 <= age <= 42 and rng.random() < 0.12:
            tags.add("婴幼儿家庭")
        if 20 <= age <= 40 and rng.random() < 0.03:
            tags.add("孕产妇")
        for t, p in (("残疾", 0.04), ("低保", 0.03), ("低收入", 0.04), ("退役军人", 0.03)):
            if rng.random() < p:
                tags.add(t)
        sub = rng.choice(SUBDISTRICTS)
        out.append({"id": f"r{i:06d}", "birth_date": birth.isoformat(), "sex": rng.choice("MF"), "hukou": hukou,
                    "subdistrict": sub, "community": f"{sub[:2]}第{rng.randint(1, 40)}居委", "tags": sorted(tags)})
    return out


_ALT = re.compile(r"\{([^{}]*\|[^{}]*)\}")


def expand(text: str, rng: random.Random) -> str:
    """`{a|b|c}` -> one of a, b, c (the fresh districts' variation); other text is left as it is."""
    return _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), text)


def generate(district: str, n: int, n_events: int, seed: int) -> tuple[list, list, list, dict]:
    rng = random.Random(seed)
    today = dt.date(2026, 12, 1)
    people = residents(rng, n, today)
    if district == "fresh":
        pols = [(k, expand(t, rng), expand(x, rng)) for k, t, x in FRESH_POLICIES]
        nd = fresh_needs()
    else:
        pols = TUNING_POLICIES if district == "tuning" else TEST_POLICIES
        nd = needs(district)
    truth: dict[str, list[str]] = {f"p{i + 1:02d}": [] for i in range(len(pols))}
    key_to_pid = {key: f"p{i + 1:02d}" for i, (key, _t, _x) in enumerate(pols)}
    events: list[dict[str, Any]] = []
    end = dt.datetime(2026, 12, 1, 12, tzinfo=TZ)

    def when() -> str:
        return (end - dt.timedelta(days=rng.uniform(0, 720), seconds=rng.randint(0, 86400))).isoformat()

    templates = TEMPLATES[district]
    all_conf = [c for need in nd.values() for c in need.confounders]
    for r in people:
        age = _age(r, today)
        my_needs = []
        for need in nd.values():
            ok = need.eligible(r, age)
            # Residents who fail a condition may still say the need (they are not in the truth).
            if rng.random() < (need.share if ok else need.share * 0.15):
                my_needs.append((need, ok))
        for need, ok in my_needs:
            if ok:
                truth[key_to_pid[need.key]].append(r["id"])
            colloquial_only = rng.random() < 0.6
            for _ in range(rng.randint(1, 3)):
                pool = need.colloquial if colloquial_only or rng.random() < 0.5 else need.formal
                text = expand(rng.choice(templates).replace("{p}", expand(rng.choice(pool), rng)), rng)
                events.append({"resident": r["id"], "type": rng.choice(["post", "post", "reply", "letter", "case"]),
                               "text": text, "time": when(), "target": ""})
            if rng.random() < 0.5:
                events.append({"resident": r["id"], "type": rng.choice(["read", "like"]),
                               "text": expand(rng.choice(need.articles), rng), "time": when(), "target": "article"})
    # Noise and confounders up to the requested number of events.
    ids = [r["id"] for r in people]
    while len(events) < n_events:
        rid = rng.choice(ids)
        x = rng.random()
        if x < 0.12:
            text = expand(rng.choice(all_conf), rng)
            typ = rng.choice(["post", "reply", "letter"])
        elif x < 0.2:
            text = expand(rng.choice([a for need in nd.values() for a in need.articles]), rng)
            typ = "read"
        else:
            text = expand(rng.choice(templates).replace("{p}", expand(rng.choice(NOISE[district]), rng)), rng)
            typ = rng.choice(["post", "reply", "reply", "read", "like", "case"])
        events.append({"resident": rid, "type": typ, "text": text, "time": when(), "target": ""})
    rng.shuffle(events)
    policies = [{"id": f"p{i + 1:02d}", "title": t, "text": x} for i, (_k, t, x) in enumerate(pols)]
    return people, events, policies, truth


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--district", choices=["tuning", "test", "fresh"], required=True)
    ap.add_argument("--residents", type=int, default=3000)
    ap.add_argument("--events", type=int, default=0, help="default: 10 per resident")
    ap.add_argument("--seed", type=int, default=0, help="default: 11 for tuning, 2027 for test")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.district == "fresh" and not args.seed:
        raise SystemExit("a fresh district needs its own --seed")
    seed = args.seed or (11 if args.district == "tuning" else 2027)
    people, events, policies, truth = generate(args.district, args.residents, args.events or args.residents * 10, seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("residents", people), ("events", events), ("policies", policies)):
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    print(json.dumps({k: len(v) for k, v in truth.items()}))


if __name__ == "__main__":
    main()
